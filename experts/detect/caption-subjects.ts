/**
 * Consistency with the original caption: a caption that names a subject outside COCO-80 ("a squirrel
 * on a branch", "candies in a bowl") tells what kind of thing is there, and a detection of another COCO
 * class of the same domain is most likely that subject misnamed (the squirrel's "bird", the candies'
 * "orange"). Such a detection is dropped unless the caption also names the detected class.
 *
 * Each subject noun maps to a domain (the COCO labels it could be confused with) and to the labels it
 * is compatible with (citrus ↔ orange). "Same subject" is judged by domain, not by position: a caption
 * does not say where its squirrel is, but a squirrel photo's "bird" is the squirrel far more often than
 * a second animal the caption forgot.
 */
import { ancestors, lookupNoun } from '../../lib/language/lexicon.ts';
import { extractMentions } from '../../lib/language/mentions.ts';

const ANIMALS = ['bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe'];
const PRODUCE = ['banana', 'apple', 'orange', 'broccoli', 'carrot', 'donut', 'cake', 'sports ball'];

interface Subject {
  domain: readonly string[];
  compatible: readonly string[];
}

const animal = (...compatible: string[]): Subject => ({ domain: ANIMALS, compatible });
const produce = (...compatible: string[]): Subject => ({ domain: PRODUCE, compatible });

/** Singular nouns outside COCO-80 (and outside the fuser's lexicon) that name a caption's subject. */
const SUBJECTS: Record<string, Subject> = {
  squirrel: animal(),
  chipmunk: animal(),
  rabbit: animal(),
  bunny: animal(),
  hare: animal(),
  deer: animal(),
  fox: animal(),
  wolf: animal('dog'),
  monkey: animal(),
  mandrill: animal(),
  baboon: animal(),
  ape: animal(),
  gorilla: animal(),
  chimpanzee: animal(),
  lion: animal(),
  tiger: animal(),
  leopard: animal(),
  cheetah: animal(),
  goat: animal(),
  pig: animal(),
  boar: animal(),
  camel: animal(),
  llama: animal(),
  kangaroo: animal(),
  koala: animal(),
  otter: animal(),
  sweets: produce(),
  hedgehog: animal(),
  raccoon: animal(),
  butterfly: animal(),
  moth: animal(),
  bee: animal(),
  wasp: animal(),
  beetle: animal(),
  ladybug: animal(),
  dragonfly: animal(),
  insect: animal(),
  caterpillar: animal(),
  spider: animal(),
  snail: animal(),
  fish: animal(),
  lizard: animal(),
  snake: animal(),
  turtle: animal(),
  tortoise: animal(),
  frog: animal(),
  crocodile: animal(),
  candy: produce(),
  lollipop: produce(),
  gumball: produce(),
  chocolate: produce('cake', 'donut'),
  citrus: produce('orange'),
  lemon: produce('orange'),
  lime: produce('orange'),
  grapefruit: produce('orange'),
  tangerine: produce('orange'),
  mandarin: produce('orange'),
  clementine: produce('orange'),
  tomato: produce(),
  peach: produce(),
  plum: produce(),
  cherry: produce(),
  grape: produce(),
  strawberry: produce(),
  pomegranate: produce(),
  egg: produce(),
  marble: produce(),
};

const IRREGULAR: Record<string, string> = {
  candies: 'candy',
  sweets: 'sweets',
  cherries: 'cherry',
  strawberries: 'strawberry',
  wolves: 'wolf',
  butterflies: 'butterfly',
  ladybugs: 'ladybug',
  bunnies: 'bunny',
  fish: 'fish',
  deer: 'deer',
  tomatoes: 'tomato',
  peaches: 'peach',
  mandarins: 'mandarin',
};

function singular(word: string): string {
  if (IRREGULAR[word]) return IRREGULAR[word];
  if (word.endsWith('ies')) return word.slice(0, -3) + 'y';
  if (/(ch|sh|x)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !/(ss|us)$/.test(word)) return word.slice(0, -1);
  return word;
}

export interface CaptionSubjects {
  /** Subject nouns outside COCO-80 found in the captions, singular. */
  subjects: string[];
  /** Whether a caption names this COCO label itself or a narrower word for it. */
  names(label: string): boolean;
  /** The caption subject a detection of `label` contradicts, or null. */
  conflict(label: string): string | null;
}

export function captionSubjects(captions: readonly string[]): CaptionSubjects {
  const subjects = new Set<string>();
  const concepts = new Set<string>();
  for (const caption of captions) {
    for (const word of caption.toLowerCase().match(/[a-z]+/g) ?? []) {
      const s = singular(word);
      if (SUBJECTS[s]) subjects.add(s);
    }
    for (const noun of extractMentions(caption).nouns) {
      const concept = lookupNoun(noun)?.concept;
      if (concept) concepts.add(concept);
    }
  }
  // The label itself or a narrower word for it ("eagle" names a bird); a broader one ("fruit") does not
  // vouch for a particular fruit.
  const names = (label: string): boolean => [...concepts].some((c) => ancestors(c).includes(label));
  return {
    subjects: [...subjects],
    names,
    conflict(label) {
      if (names(label)) return null;
      for (const s of subjects) {
        const subject = SUBJECTS[s];
        if (subject.domain.includes(label) && !subject.compatible.includes(label)) return s;
      }
      return null;
    },
  };
}
