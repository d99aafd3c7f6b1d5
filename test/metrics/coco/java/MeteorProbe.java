import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;

import edu.cmu.meteor.util.Normalizer;
import org.tartarus.snowball.ext.englishStemmer;

/**
 * Runs one piece of meteor-1.5.jar on each stdin line and prints the result, so tests can compare the
 * TypeScript port with the jar piece by piece: "stem" (the Snowball English stemmer the stem module uses)
 * or "norm" (the -norm normaliser for English, punctuation kept).
 */
public class MeteorProbe {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
    englishStemmer stemmer = new englishStemmer();
    boolean stem = args.length > 0 && args[0].equals("stem");
    String line;
    while ((line = in.readLine()) != null) {
      if (stem) {
        stemmer.setCurrent(line);
        stemmer.stem();
        out.println(stemmer.getCurrent());
      } else {
        out.println(Normalizer.normalizeLine(line, 0, true));
      }
    }
    out.flush();
  }
}
