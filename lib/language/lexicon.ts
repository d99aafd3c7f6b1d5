/**
 * The fuser's small closed vocabulary: which caption words name which detector concept, how nouns
 * inflect, which words are colours or person attributes. Both the grounded fuser (to attach what the
 * experts saw to nouns the caption already has) and the grounding check (to read claims back out of any
 * caption) use this one table, so a word the fuser writes is always a word the checker understands.
 *
 * Concepts are COCO-80 labels where one exists ("dog", "stop sign") and plain nouns otherwise ("sign",
 * "animal"). `parent` links a specific concept to a broader one: a detected "stop sign" grounds the
 * caption word "sign", and a caption's "eagle" may receive the colours of a detected "bird".
 */
import { COLOR_WORDS } from './colors.ts';

interface ConceptEntry {
  /** Surface nouns (singular) that name this concept; the first is how the fuser writes it. */
  words: string[];
  parent?: string;
}

const CONCEPTS: Record<string, ConceptEntry> = {
  person: {
    words: [
      'person',
      'man',
      'woman',
      'boy',
      'girl',
      'child',
      'kid',
      'guy',
      'lady',
      'gentleman',
      'adult',
      'teenager',
      'baby',
      'toddler',
      'player',
      'surfer',
      'skier',
      'skateboarder',
      'snowboarder',
      'rider',
      'astronaut',
      'pedestrian',
      'tourist',
      'human',
      'individual',
      'chef',
      'worker',
      'photographer',
      'kiteboarder',
      // Roles and trades: "soldiers" are the people a detector finds, not others beside them
      // (", with five people" after "soldiers" repeats them).
      'soldier',
      'guardsman',
      'officer',
      'policeman',
      'dancer',
      'ballerina',
      'musician',
      'farmer',
      'student',
      'spectator',
    ],
  },
  bicycle: { words: ['bicycle', 'bike', 'cycle'], parent: 'vehicle' },
  car: { words: ['car', 'automobile', 'sedan', 'taxi', 'convertible', 'coupe', 'hatchback', 'limousine', 'jeep'], parent: 'vehicle' },
  motorcycle: { words: ['motorcycle', 'motorbike', 'scooter', 'moped'], parent: 'vehicle' },
  airplane: { words: ['airplane', 'plane', 'aeroplane', 'jet', 'aircraft', 'airliner'], parent: 'vehicle' },
  bus: { words: ['bus'], parent: 'vehicle' },
  train: { words: ['train', 'locomotive'], parent: 'vehicle' },
  truck: { words: ['truck', 'pickup', 'lorry', 'van'], parent: 'vehicle' },
  boat: { words: ['boat', 'ship', 'sailboat', 'rowboat', 'rowing boat', 'canoe', 'kayak', 'yacht', 'ferry', 'dinghy'], parent: 'vehicle' },
  'traffic light': { words: ['traffic light', 'stoplight', 'traffic signal'] },
  'fire hydrant': { words: ['fire hydrant', 'hydrant'] },
  'stop sign': { words: ['stop sign'], parent: 'sign' },
  'parking meter': { words: ['parking meter'] },
  bench: { words: ['bench'] },
  // Species and breeds too: a caption's "robin" is the detector's "bird", not a second animal beside it.
  bird: {
    words: [
      'bird',
      'eagle',
      'seagull',
      'gull',
      'pigeon',
      'duck',
      'parrot',
      'owl',
      'hawk',
      'goose',
      'robin',
      'nuthatch',
      'hummingbird',
      'sparrow',
      'finch',
      'dove',
      'swan',
      'crow',
      'raven',
      'magpie',
      'blackbird',
      'starling',
      'wren',
      'kingfisher',
      'woodpecker',
      'songbird',
      'falcon',
      'pelican',
      'heron',
      'stork',
      'cormorant',
      'flamingo',
      'penguin',
      'puffin',
      'ostrich',
      'peacock',
      'hen',
      'rooster',
      'tern',
      'albatross',
      'egret',
      'ibis',
      'sandpiper',
      'thrush',
      'warbler',
      'jay',
      'vulture',
      'kestrel',
      'osprey',
      'toucan',
      'macaw',
      'cockatoo',
      'parakeet',
      'budgie',
      'canary',
      'pheasant',
      'mallard',
      'grebe',
    ],
    parent: 'animal',
  },
  cat: { words: ['cat', 'kitten', 'kitty', 'tabby'], parent: 'animal' },
  dog: {
    words: [
      'dog',
      'puppy',
      'pup',
      'doggy',
      'hound',
      'spaniel',
      'terrier',
      'poodle',
      'pekingese',
      'labrador',
      'retriever',
      'beagle',
      'bulldog',
      'husky',
      'collie',
      'sheepdog',
      'dachshund',
      'chihuahua',
      'pug',
      'greyhound',
      'corgi',
      'dalmatian',
      'schnauzer',
    ],
    parent: 'animal',
  },
  horse: { words: ['horse', 'pony', 'foal', 'stallion', 'mare'], parent: 'animal' },
  sheep: { words: ['sheep', 'lamb'], parent: 'animal' },
  cow: { words: ['cow', 'cattle', 'bull', 'calf', 'ox'], parent: 'animal' },
  elephant: { words: ['elephant'], parent: 'animal' },
  bear: { words: ['bear', 'grizzly'], parent: 'animal' },
  zebra: { words: ['zebra'], parent: 'animal' },
  giraffe: { words: ['giraffe'], parent: 'animal' },
  backpack: { words: ['backpack', 'rucksack'] },
  umbrella: { words: ['umbrella', 'parasol'] },
  handbag: { words: ['handbag', 'purse'] },
  tie: { words: ['tie', 'necktie'] },
  suitcase: { words: ['suitcase', 'luggage'] },
  frisbee: { words: ['frisbee'] },
  skis: { words: ['skis', 'ski'] },
  snowboard: { words: ['snowboard'] },
  'sports ball': { words: ['ball', 'sports ball', 'football', 'soccer ball', 'baseball', 'basketball', 'tennis ball'] },
  kite: { words: ['kite'] },
  'baseball bat': { words: ['baseball bat', 'bat'] },
  'baseball glove': { words: ['baseball glove', 'glove', 'mitt'] },
  skateboard: { words: ['skateboard'] },
  surfboard: { words: ['surfboard'] },
  'tennis racket': { words: ['tennis racket', 'racket', 'racquet'] },
  bottle: { words: ['bottle'] },
  'wine glass': { words: ['wine glass', 'glass'] },
  cup: { words: ['cup', 'mug'] },
  fork: { words: ['fork'] },
  knife: { words: ['knife'] },
  spoon: { words: ['spoon'] },
  bowl: { words: ['bowl'] },
  banana: { words: ['banana'], parent: 'food' },
  apple: { words: ['apple'], parent: 'food' },
  sandwich: { words: ['sandwich'], parent: 'food' },
  orange: { words: ['orange'], parent: 'food' },
  broccoli: { words: ['broccoli'], parent: 'food' },
  carrot: { words: ['carrot'], parent: 'food' },
  'hot dog': { words: ['hot dog'], parent: 'food' },
  pizza: { words: ['pizza'], parent: 'food' },
  donut: { words: ['donut', 'doughnut'], parent: 'food' },
  cake: { words: ['cake', 'cupcake'], parent: 'food' },
  chair: { words: ['chair', 'stool'] },
  couch: { words: ['couch', 'sofa'] },
  'potted plant': { words: ['potted plant', 'plant', 'houseplant'] },
  bed: { words: ['bed'] },
  'dining table': { words: ['table', 'dining table', 'desk'] },
  toilet: { words: ['toilet'] },
  // Compounds are listed whole so a colour goes before them: "a gray computer monitor", not "a computer gray monitor".
  tv: { words: ['television', 'tv', 'monitor', 'screen', 'computer monitor', 'computer screen', 'tv screen', 'television set', 'tv set'] },
  laptop: { words: ['laptop', 'notebook computer', 'laptop computer'] },
  mouse: { words: ['computer mouse', 'mouse'] },
  remote: { words: ['remote', 'remote control'] },
  keyboard: { words: ['keyboard', 'computer keyboard'] },
  'cell phone': { words: ['cell phone', 'phone', 'cellphone', 'smartphone', 'mobile phone'] },
  microwave: { words: ['microwave'] },
  oven: { words: ['oven', 'stove'] },
  toaster: { words: ['toaster'] },
  sink: { words: ['sink'] },
  refrigerator: { words: ['refrigerator', 'fridge'] },
  book: { words: ['book'] },
  clock: { words: ['clock'] },
  vase: { words: ['vase'] },
  scissors: { words: ['scissors'] },
  'teddy bear': { words: ['teddy bear', 'teddy', 'stuffed animal'] },
  'hair drier': { words: ['hair drier', 'hair dryer', 'hairdryer'] },
  toothbrush: { words: ['toothbrush'] },
  // Broader concepts the detector never outputs but captions use; reachable through `parent`.
  vehicle: { words: ['vehicle'] },
  animal: { words: ['animal', 'creature'] },
  food: { words: ['food', 'meal', 'dish'] },
  sign: { words: ['sign', 'signboard', 'board', 'placard', 'billboard', 'banner', 'poster', 'plaque'] },
  text: { words: ['text', 'writing', 'word', 'letter', 'lettering', 'inscription', 'number', 'symbol', 'handwriting'] },
};

/**
 * Scene and part nouns that captions use but no expert reports. They count as nouns for the
 * enrichment statistics; a fused caption may carry them only when the original already does.
 */
const SCENE_NOUNS = [
  'porch',
  'field',
  'beach',
  'shore',
  'sea',
  'ocean',
  'water',
  'lake',
  'river',
  'sky',
  'cloud',
  'tree',
  'grass',
  'street',
  'road',
  'sidewalk',
  'building',
  'house',
  'wall',
  'room',
  'kitchen',
  'floor',
  'window',
  'door',
  'garage',
  'garden',
  'park',
  'yard',
  'hill',
  'mountain',
  'snow',
  'sand',
  'wave',
  'city',
  'town',
  'forest',
  'pole',
  'fence',
  'shop',
  'store',
  'saucer',
  'coffee',
  'tea',
  'plate',
  'tray',
  'flag',
  'rocket',
  'launch pad',
  'pad',
  'night',
  'day',
  'temple',
  'tower',
  'church',
  'flower',
  'petal',
  'leaf',
  'camera',
  'tripod',
  'page',
  'paper',
  'hat',
  'shirt',
  'jacket',
  'coat',
  'helmet',
  'suit',
  'dress',
  'shoe',
  'boot',
  'head',
  'face',
  'hand',
  'eye',
  'ground',
  'dirt',
  'rock',
  'stone',
  'bridge',
  'track',
  'station',
  'airport',
  'runway',
  'pasture',
  'farm',
  'zoo',
  'enclosure',
  'bakery',
  'bread',
  'restaurant',
  'counter',
  'shelf',
  'corner',
  'area',
  'parking lot',
  'landscape',
  'weather',
  'stand',
  'post',
  'lamp',
  'light',
];

/** Nouns that refer to the picture itself or are positional; never claims about the scene. */
const NON_CLAIM_NOUNS = new Set([
  'picture',
  'photo',
  'image',
  'photograph',
  'scene',
  'view',
  'shot',
  'side',
  'top',
  'bottom',
  'left',
  'right',
  'middle',
  'center',
  'centre',
  'edge',
  'back',
  'front',
  'background',
  'foreground',
  'close up',
  'closeup',
  'group',
  'crowd',
  'herd',
  'flock',
  'team',
  'family',
  'bunch',
  'couple',
  'pair',
  'lot',
  'kind',
  'type',
  'number of',
  'variety',
]);
export function isNonClaimNoun(phrase: string): boolean {
  return NON_CLAIM_NOUNS.has(phrase);
}

/** Collective nouns: "a group of horses" states no count. */
export const COLLECTIVE_NOUNS = new Set(['group', 'crowd', 'herd', 'flock', 'team', 'family', 'bunch', 'couple', 'pair']);

const IRREGULAR_PLURALS: Record<string, string> = {
  person: 'people',
  man: 'men',
  woman: 'women',
  child: 'children',
  mouse: 'mice',
  goose: 'geese',
  foot: 'feet',
  tooth: 'teeth',
  knife: 'knives',
  leaf: 'leaves',
  shelf: 'shelves',
  wolf: 'wolves',
  sheep: 'sheep',
  fish: 'fish',
  skis: 'skis',
  scissors: 'scissors',
  broccoli: 'broccoli',
  cattle: 'cattle',
  calf: 'calves',
  ox: 'oxen',
  gentleman: 'gentlemen',
  bus: 'buses',
  lady: 'ladies',
};
const IRREGULAR_SINGULARS: Record<string, string> = Object.fromEntries(
  Object.entries(IRREGULAR_PLURALS).map(([singular, plural]) => [plural, singular]),
);

/** Plural of a (possibly multi-word) noun: the last word inflects. */
export function pluralize(noun: string): string {
  if (IRREGULAR_PLURALS[noun]) return IRREGULAR_PLURALS[noun];
  const space = noun.lastIndexOf(' ');
  if (space > 0) {
    const head = noun.slice(space + 1);
    if (IRREGULAR_PLURALS[head]) return noun.slice(0, space + 1) + IRREGULAR_PLURALS[head];
  }
  if (/(s|x|z|ch|sh)$/.test(noun)) return noun + 'es';
  if (/[^aeiou]y$/.test(noun)) return noun.slice(0, -1) + 'ies';
  return noun + 's';
}

/** Candidate singulars of a word that may be plural; the caller keeps the one it knows. */
function singularCandidates(word: string): string[] {
  const out = [word];
  if (IRREGULAR_SINGULARS[word]) out.unshift(IRREGULAR_SINGULARS[word]);
  if (word.endsWith('ies')) out.push(word.slice(0, -3) + 'y');
  if (word.endsWith('ves')) out.push(word.slice(0, -3) + 'fe', word.slice(0, -3) + 'f');
  if (word.endsWith('es')) out.push(word.slice(0, -2));
  if (word.endsWith('s') && !word.endsWith('ss')) out.push(word.slice(0, -1));
  return out;
}

export interface NounEntry {
  /** Singular surface form, e.g. "puppy". */
  lemma: string;
  /** Detector concept, or null for a scene noun. */
  concept: string | null;
}

const NOUNS = new Map<string, NounEntry>();
for (const [concept, entry] of Object.entries(CONCEPTS)) {
  for (const word of entry.words) if (!NOUNS.has(word)) NOUNS.set(word, { lemma: word, concept });
}
for (const word of SCENE_NOUNS) if (!NOUNS.has(word)) NOUNS.set(word, { lemma: word, concept: null });

/** Longest noun phrase in words, so the tokenizer knows how far to look ahead ("notebook computer"). */
export const MAX_NOUN_WORDS = Math.max(...[...NOUNS.keys()].map((k) => k.split(' ').length));

/** Looks a (possibly plural, possibly multi-word) noun up; null when it is not in the vocabulary. */
export function lookupNoun(phrase: string): (NounEntry & { plural: boolean }) | null {
  if (NON_CLAIM_NOUNS.has(phrase)) return null;
  const space = phrase.lastIndexOf(' ');
  const prefix = space > 0 ? phrase.slice(0, space + 1) : '';
  const head = space > 0 ? phrase.slice(space + 1) : phrase;
  for (const candidate of singularCandidates(head)) {
    const entry = NOUNS.get(prefix + candidate);
    // "sheep"/"skis" are their own plural and read as singular unless a count says otherwise.
    if (entry) return { ...entry, plural: prefix + candidate !== phrase };
  }
  return null;
}

/** Maps the label spellings detectors use (COCO, darknet's VOC-style names) onto concepts. */
const LABEL_ALIASES: Record<string, string> = {
  motorbike: 'motorcycle',
  aeroplane: 'airplane',
  sofa: 'couch',
  pottedplant: 'potted plant',
  diningtable: 'dining table',
  tvmonitor: 'tv',
  'hair dryer': 'hair drier',
  doughnut: 'donut',
};

/** Concept of a detector label, or null when the label is outside the vocabulary. */
export function conceptOfLabel(label: string): string | null {
  const key = label.trim().toLowerCase();
  const aliased = LABEL_ALIASES[key] ?? key;
  if (CONCEPTS[aliased]) return aliased;
  return lookupNoun(aliased)?.concept ?? null;
}

/** The noun the fuser writes for a concept ("dining table" → "table"). */
export function nounOfConcept(concept: string, count: number): string {
  const word = CONCEPTS[concept]?.words[0] ?? concept;
  return count === 1 ? word : pluralize(word);
}

/** Concept and its ancestors, nearest first. */
export function ancestors(concept: string): string[] {
  const out = [concept];
  let parent = CONCEPTS[concept]?.parent;
  while (parent && !out.includes(parent)) {
    out.push(parent);
    parent = CONCEPTS[parent]?.parent;
  }
  return out;
}

/**
 * Whether a caption noun of concept `mention` may refer to a detection of concept `detected`: the same
 * concept, or one is a broader kind of the other (caption "animal" ↔ detected dog; caption "eagle",
 * whose concept is bird, ↔ detected bird; caption "sign" ↔ detected stop sign).
 */
export function conceptsCompatible(mention: string, detected: string): boolean {
  return ancestors(detected).includes(mention) || ancestors(mention).includes(detected);
}

const COLOR_SET = new Set(COLOR_WORDS);
const COLOR_MODIFIERS = new Set(['dark', 'light', 'pale', 'bright', 'deep']);

/** "dark blue" → "blue", "grey" → "gray": the form colours are compared in. */
export function baseColor(name: string): string | null {
  const words = name.trim().toLowerCase().split(/\s+/);
  const last = words[words.length - 1];
  if (!COLOR_SET.has(last)) return null;
  return last === 'grey' ? 'gray' : last;
}
export function isColorWord(word: string): boolean {
  return COLOR_SET.has(word);
}
export function isColorModifier(word: string): boolean {
  return COLOR_MODIFIERS.has(word);
}

/**
 * Person attributes as the attribute expert names them → the adjective the fuser writes. Values not
 * listed are not written: an attribute the fuser cannot phrase correctly is left out, never guessed.
 */
export const EXPRESSION_ADJECTIVES: Record<string, string> = {
  happy: 'smiling',
  happiness: 'smiling',
  smile: 'smiling',
  smiling: 'smiling',
  sad: 'sad',
  sadness: 'sad',
  surprise: 'surprised',
  surprised: 'surprised',
  angry: 'angry',
  anger: 'angry',
  fear: 'frightened',
  fearful: 'frightened',
  disgust: 'disgusted',
  disgusted: 'disgusted',
};
export const AGE_ADJECTIVES: Record<string, string> = {
  child: 'young',
  kid: 'young',
  baby: 'young',
  toddler: 'young',
  teen: 'young',
  teenager: 'young',
  young: 'young',
  'young adult': 'young',
  youth: 'young',
  senior: 'elderly',
  elderly: 'elderly',
  old: 'elderly',
  elder: 'elderly',
  'middle-aged': 'middle-aged',
  'middle aged': 'middle-aged',
};
/** Adjectives the grounding check reads as person attributes. */
export const PERSON_ADJECTIVES = new Set([
  ...Object.values(EXPRESSION_ADJECTIVES),
  ...Object.values(AGE_ADJECTIVES),
  'happy',
  'old',
  'little',
]);
export const SIZE_ADJECTIVES: Record<string, 'small' | 'large'> = {
  small: 'small',
  little: 'small',
  tiny: 'small',
  large: 'large',
  big: 'large',
  huge: 'large',
  giant: 'large',
};

export const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  both: 2,
  single: 1,
  lone: 1,
};
const NUMBER_NAMES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];
export function numberWord(n: number): string {
  return NUMBER_NAMES[n] ?? String(n);
}

/** "a" or "an" for the word that follows, by sound for the common exceptions. */
export function indefiniteArticle(nextWord: string): 'a' | 'an' {
  const w = nextWord.toLowerCase();
  if (/^(uni|use|usu|eu|one|once|ur[aeio])/.test(w)) return 'a';
  if (/^(hour|honest|honou?r|heir)/.test(w)) return 'an';
  if (/^[0-9]/.test(w)) return /^(8|11|18)/.test(w) ? 'an' : 'a';
  if (/^[A-Z]{2,}$/.test(nextWord)) return /^[AEFHILMNORSX]/.test(nextWord) ? 'an' : 'a';
  return /^[aeiou]/.test(w) ? 'an' : 'a';
}
