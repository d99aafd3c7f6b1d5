import * as ctc from '/work/main/experts/ocr/ctc.ts';
const orig = ctc.ctcGreedyDecode;
