import { writeFile } from 'node:fs/promises';
import { renderTextCases } from './test/experts/ocr/rendered-text.ts';
for (const c of await renderTextCases()) await writeFile(`/tmp/rendered/${c.name}.png`, c.png);
