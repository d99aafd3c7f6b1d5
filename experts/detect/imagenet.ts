/**
 * What an ImageNet-1k class says about a detector's COCO-80 label: the COCO label it names, if any, and
 * a broader kind ("bird", "mammal", "insect", "ball", "fruit", "place", …). The class names in
 * imagenet-classes.txt are torchvision's, in the order of the classifier's logits (index = line − 1).
 *
 * Kinds let a class without a COCO counterpart still contradict a detection: a fox squirrel (mammal)
 * over a "bird" box, a monarch (insect) over a "bird", a ping-pong ball (ball) over an "orange", a
 * palace (place) over a "kite". COCO labels have kinds too (COCO_KIND); a detection is compatible with a
 * class that names its label, or whose kind is the label's kind (a "sports ball" box classified as a
 * ping-pong ball is still a ball). Object classes this table does not name are neutral: the classifier
 * knows 1000 things and most of them are neither evidence for nor against a COCO label.
 */
import { readFileSync } from 'node:fs';

export const IMAGENET_CLASSES: readonly string[] = readFileSync(new URL('./imagenet-classes.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0);
if (IMAGENET_CLASSES.length !== 1000) throw new Error(`imagenet-classes.txt has ${IMAGENET_CLASSES.length} names, expected 1000`);

export interface ImagenetMeaning {
  coco: string | null;
  kind: string | null;
}

/** Index ranges (inclusive) of the animal and nature classes, by kind, and the COCO label some carry. */
const RANGES: [from: number, to: number, kind: string, coco?: string][] = [
  [0, 6, 'fish'],
  [7, 24, 'bird', 'bird'],
  [25, 68, 'reptile'], // salamanders, frogs, turtles, lizards, crocodiles, snakes
  [69, 79, 'invertebrate'], // trilobite, spiders, scorpion, tick, centipede
  [80, 100, 'bird', 'bird'],
  [101, 101, 'mammal', 'elephant'],
  [102, 106, 'mammal'],
  [107, 126, 'invertebrate'],
  [127, 146, 'bird', 'bird'],
  [147, 150, 'mammal'],
  [151, 268, 'mammal', 'dog'],
  [269, 280, 'mammal'], // wolves, foxes, wild dogs
  [281, 285, 'mammal', 'cat'],
  [286, 293, 'mammal'], // big cats: not COCO "cat"
  [294, 297, 'mammal', 'bear'],
  [298, 299, 'mammal'],
  [300, 326, 'insect'],
  [327, 329, 'invertebrate'],
  [330, 338, 'mammal'], // rabbits, rodents (335 fox squirrel)
  [339, 339, 'mammal', 'horse'],
  [340, 340, 'mammal', 'zebra'],
  [341, 344, 'mammal'],
  [345, 347, 'mammal', 'cow'],
  [348, 349, 'mammal', 'sheep'],
  [350, 384, 'mammal'], // antelopes, camels, mustelids, primates
  [385, 386, 'mammal', 'elephant'],
  [387, 388, 'mammal'],
  [389, 397, 'fish'],
  [924, 935, 'food'],
  [936, 947, 'vegetable'],
  [948, 957, 'fruit'],
  [958, 969, 'food'],
  [970, 980, 'place'], // alp, cliff, coral reef, … volcano
  [984, 997, 'plant'], // flowers, acorn, hip, buckeye, fungi
];

/** Object classes (398–999) by name → COCO label. */
const OBJECT_COCO: Record<string, string> = {
  ambulance: 'truck',
  'beach wagon': 'car',
  cab: 'car',
  convertible: 'car',
  jeep: 'car',
  limousine: 'car',
  minivan: 'car',
  'Model T': 'car',
  racer: 'car',
  'sports car': 'car',
  'police van': 'truck',
  pickup: 'truck',
  'moving van': 'truck',
  'garbage truck': 'truck',
  'fire engine': 'truck',
  'tow truck': 'truck',
  'trailer truck': 'truck',
  minibus: 'bus',
  'school bus': 'bus',
  trolleybus: 'bus',
  moped: 'motorcycle',
  'motor scooter': 'motorcycle',
  'bicycle-built-for-two': 'bicycle',
  'mountain bike': 'bicycle',
  tricycle: 'bicycle',
  unicycle: 'bicycle',
  airliner: 'airplane',
  warplane: 'airplane',
  'bullet train': 'train',
  'electric locomotive': 'train',
  'steam locomotive': 'train',
  'freight car': 'train',
  'passenger car': 'train',
  streetcar: 'train',
  'aircraft carrier': 'boat',
  canoe: 'boat',
  catamaran: 'boat',
  'container ship': 'boat',
  fireboat: 'boat',
  gondola: 'boat',
  lifeboat: 'boat',
  liner: 'boat',
  schooner: 'boat',
  speedboat: 'boat',
  submarine: 'boat',
  trimaran: 'boat',
  yawl: 'boat',
  paddlewheel: 'boat',
  'traffic light': 'traffic light',
  'street sign': 'stop sign',
  'parking meter': 'parking meter',
  'park bench': 'bench',
  backpack: 'backpack',
  umbrella: 'umbrella',
  purse: 'handbag',
  'bow tie': 'tie',
  'Windsor tie': 'tie',
  ski: 'skis',
  'soccer ball': 'sports ball',
  baseball: 'sports ball',
  basketball: 'sports ball',
  'tennis ball': 'sports ball',
  volleyball: 'sports ball',
  'rugby ball': 'sports ball',
  'golf ball': 'sports ball',
  racket: 'tennis racket',
  'water bottle': 'bottle',
  'beer bottle': 'bottle',
  'wine bottle': 'bottle',
  'pop bottle': 'bottle',
  'pill bottle': 'bottle',
  'beer glass': 'wine glass',
  goblet: 'wine glass',
  cup: 'cup',
  'coffee mug': 'cup',
  'soup bowl': 'bowl',
  'mixing bowl': 'bowl',
  'wooden spoon': 'spoon',
  'folding chair': 'chair',
  'rocking chair': 'chair',
  'barber chair': 'chair',
  throne: 'chair',
  'studio couch': 'couch',
  'four-poster': 'bed',
  'dining table': 'dining table',
  'toilet seat': 'toilet',
  television: 'tv',
  monitor: 'tv',
  screen: 'tv',
  laptop: 'laptop',
  notebook: 'laptop',
  mouse: 'mouse',
  'remote control': 'remote',
  'computer keyboard': 'keyboard',
  'typewriter keyboard': 'keyboard',
  'cellular telephone': 'cell phone',
  microwave: 'microwave',
  stove: 'oven',
  toaster: 'toaster',
  washbasin: 'sink',
  refrigerator: 'refrigerator',
  'book jacket': 'book',
  'comic book': 'book',
  'analog clock': 'clock',
  'wall clock': 'clock',
  'digital clock': 'clock',
  vase: 'vase',
  teddy: 'teddy bear',
  'hand blower': 'hair drier',
  'Granny Smith': 'apple',
  orange: 'orange',
  banana: 'banana',
  broccoli: 'broccoli',
  hotdog: 'hot dog',
  pizza: 'pizza',
  cheeseburger: 'sandwich',
};

/** Object classes by name → kind only: parts of a COCO thing, balls that are not sports balls, places. */
const OBJECT_KIND: Record<string, string> = {
  'car wheel': 'vehicle',
  grille: 'vehicle',
  'car mirror': 'vehicle',
  'ping-pong ball': 'ball',
  'croquet ball': 'ball',
  // Buildings, structures and shops: a scene, not an object a COCO box names.
  apiary: 'place',
  bakery: 'place',
  barbershop: 'place',
  barn: 'place',
  boathouse: 'place',
  bookshop: 'place',
  'butcher shop': 'place',
  castle: 'place',
  church: 'place',
  cinema: 'place',
  'cliff dwelling': 'place',
  confectionery: 'place',
  dam: 'place',
  dome: 'place',
  greenhouse: 'place',
  'grocery store': 'place',
  library: 'place',
  lumbermill: 'place',
  monastery: 'place',
  mosque: 'place',
  palace: 'place',
  patio: 'place',
  planetarium: 'place',
  prison: 'place',
  restaurant: 'place',
  'shoe shop': 'place',
  stupa: 'place',
  'tobacco shop': 'place',
  toyshop: 'place',
  'triumphal arch': 'place',
  viaduct: 'place',
  'water tower': 'place',
  yurt: 'place',
  'steel arch bridge': 'place',
  'suspension bridge': 'place',
  breakwater: 'place',
  dock: 'place',
  pier: 'place',
  megalith: 'place',
  obelisk: 'place',
  'tile roof': 'place',
  thatch: 'place',
  'stone wall': 'place',
  'bell cote': 'place',
  beacon: 'place',
  'sliding door': 'place',
  'window shade': 'place',
  'window screen': 'place',
  hay: 'plant',
};

/** The kind of each COCO label the classifier can speak to; labels absent here are their own kind. */
export const COCO_KIND: Readonly<Record<string, string>> = {
  bird: 'bird',
  cat: 'mammal',
  dog: 'mammal',
  horse: 'mammal',
  sheep: 'mammal',
  cow: 'mammal',
  elephant: 'mammal',
  bear: 'mammal',
  zebra: 'mammal',
  giraffe: 'mammal',
  banana: 'fruit',
  apple: 'fruit',
  orange: 'fruit',
  broccoli: 'vegetable',
  carrot: 'vegetable',
  sandwich: 'food',
  'hot dog': 'food',
  pizza: 'food',
  donut: 'food',
  cake: 'food',
  'sports ball': 'ball',
  car: 'vehicle',
  truck: 'vehicle',
  bus: 'vehicle',
  motorcycle: 'vehicle',
  bicycle: 'vehicle',
};

const MEANINGS: ImagenetMeaning[] = IMAGENET_CLASSES.map((name, index) => {
  const range = RANGES.find(([from, to]) => index >= from && index <= to);
  const coco = OBJECT_COCO[name] ?? range?.[3] ?? null;
  const kind = range?.[2] ?? OBJECT_KIND[name] ?? (coco ? (COCO_KIND[coco] ?? null) : null);
  return { coco, kind };
});

export function imagenetMeaning(index: number): ImagenetMeaning {
  return MEANINGS[index] ?? { coco: null, kind: null };
}

const LEMON = IMAGENET_CLASSES.indexOf('lemon');
const KITE_BIRD = IMAGENET_CLASSES.indexOf('kite');
const BALLOON = IMAGENET_CLASSES.indexOf('balloon');
const AIRSHIP = IMAGENET_CLASSES.indexOf('airship');

/**
 * How an ImageNet class bears on a detection labelled `label`:
 * - "supports": it names the label, or is of the label's kind without naming another COCO label
 *   (a ping-pong ball for a "sports ball", a car wheel for a "truck");
 * - "contradicts": it names another COCO label of the same or another kind (a tabby for a "dog", a
 *   Granny Smith for an "orange"), or is of another kind than a label that has one (a fox squirrel for a
 *   "bird"), or is a place or a plant (a palace for a "kite");
 * - "neutral": anything else (a vehicle named as another vehicle: car/truck/bus confusions are the
 *   detector's and the classifier's alike; one of the hundreds of objects COCO has no label for).
 */
export function bearing(index: number, label: string): 'supports' | 'contradicts' | 'neutral' {
  const m = imagenetMeaning(index);
  if (m.coco === label) return 'supports';
  // Homonyms and near-kinds the table cannot express: ImageNet's kite is a bird of prey, and a lemon is
  // citrus like an orange but not an apple; a hot-air balloon or an airship is not a kite.
  if (index === KITE_BIRD && label === 'kite') return 'neutral';
  if (label === 'kite' && (index === BALLOON || index === AIRSHIP)) return 'contradicts';
  if (index === LEMON) return label === 'orange' ? 'supports' : COCO_KIND[label] ? 'contradicts' : 'neutral';
  const labelKind = COCO_KIND[label];
  if (m.kind && labelKind && m.kind === labelKind) {
    if (m.coco === null) return 'supports';
    return m.kind === 'vehicle' ? 'neutral' : 'contradicts';
  }
  if (m.coco !== null) return m.kind === 'vehicle' && labelKind === 'vehicle' ? 'neutral' : 'contradicts';
  if (m.kind === null) return 'neutral';
  // A place or plant is never a COCO object. An animal, food or ball class contradicts only labels with
  // a kind: on a thin kite in the sky the classifier answers "nematode", which says nothing about kites.
  if (m.kind === 'place' || m.kind === 'plant') return 'contradicts';
  return labelKind ? 'contradicts' : 'neutral';
}
