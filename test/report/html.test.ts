import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { prepareReport } from '../../report/build.ts';
import { renderReport } from '../../report/html.ts';
import type { ReportData } from '../../report/types.ts';
import { HeadlessChromium, type CdpEvent } from './cdp.ts';

const IMAGES = resolve('data/sample/images');

function sampleData(): ReportData {
  return {
    run: {
      title: 'FuseCap benchmark <sample> & "quotes"',
      runId: 'run-42',
      createdAt: '2026-11-26T06:00:00Z',
      dataset: 'sample',
      details: { captioner: 'tiny-blip step 60', clipModel: 'none' },
      notes: ['CLIPScore unavailable: no CLIP model configured'],
    },
    metrics: [
      { name: 'Bleu_4', split: 'test', captionSource: 'original', value: 0.3125 },
      { name: 'Bleu_4', split: 'test', captionSource: 'fused', value: 0.1875 },
      { name: 'Bleu_4', split: 'test', captionSource: 'generated', value: 0.0625 },
      { name: 'CIDEr-D', split: 'test', captionSource: 'original', value: 1.2345 },
      { name: 'CIDEr-D', split: 'test', captionSource: 'generated', value: 0.4321 },
      { name: 'CLIPScore', split: 'test', captionSource: 'generated', value: null, note: 'no CLIP model configured' },
      { name: 'R@1 i2t', split: 'val', captionSource: 'generated', value: 37.5 },
    ],
    enrichment: {
      original: { captions: 4, meanWords: 9.5, meanNouns: 2.25, meanAttributes: 0.5, meanOcrTokens: 0 },
      fused: {
        captions: 2,
        meanWords: 17,
        meanNouns: 3.5,
        meanAttributes: 2,
        meanOcrTokens: 0.5,
        contribution: { objects: 0.5, attributes: 1, ocr: 0.5 },
        groundingRate: 0.95,
        decisions: { kept: 1, flagged: 0, fallback: 0 },
      },
      ablations: [
        {
          label: 'objects+attributes+ocr',
          ablation: { objects: true, attributes: true, ocr: true },
          captions: 2,
          meanWords: 17,
          meanNouns: 3.5,
          meanAttributes: 2,
          meanOcrTokens: 0.5,
          contribution: { objects: 0.5, attributes: 1, ocr: 0.5 },
          groundingRate: 0.95,
          decisions: { kept: 1, flagged: 0, fallback: 0 },
        },
      ],
    },
    gallery: [
      {
        imageId: 'dog',
        imagePath: join(IMAGES, 'dog.jpg'),
        width: 768,
        height: 576,
        detect: {
          imageWidth: 768,
          imageHeight: 576,
          objects: [
            { label: 'dog', score: 0.43, box: { x: 130, y: 220, width: 180, height: 320 } },
            { label: 'bicycle', score: 0.49, box: { x: 120, y: 120, width: 450, height: 300 } },
          ],
        },
        captions: {
          original: ['a dog sitting on a porch next to a bicycle', 'a dog <script>alert(1)</script> & a bike'],
          fused: 'a brown dog sitting on a porch next to a white bicycle',
          generated: 'a picture of a dog and a bike',
        },
      },
      {
        imageId: 'missing',
        imagePath: join(IMAGES, 'does-not-exist.jpg'),
        width: 100,
        height: 80,
        captions: { original: ['nothing here'] },
      },
    ],
  };
}

test('renderReport escapes every text and embeds nothing external', () => {
  const html = renderReport(sampleData());
  assert.ok(!html.includes('<script>alert(1)</script>'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('FuseCap benchmark &lt;sample&gt; &amp; &quot;quotes&quot;'));
  assert.ok(!/(?:src|href)="(?:https?:)?\/\//.test(html), 'no external URLs');
});

test(
  'report opens in headless Chromium without console errors, tables hold the numbers, screenshot saved',
  { timeout: 120_000 },
  async (t) => {
    const data = await prepareReport(sampleData());
    assert.ok(data.gallery[0].thumbnail?.dataUrl.startsWith('data:image/jpeg;base64,'));
    assert.equal(data.gallery[1].thumbnail, undefined); // unreadable image: no thumbnail, no crash
    const dir = mkdtempSync(join(tmpdir(), 'report-test-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReport(data));

    const browser = HeadlessChromium.launch();
    t.after(() => browser.close());
    const errors: string[] = [];
    const { targetId } = await browser.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await browser.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    browser.onEvent((e: CdpEvent) => {
      if (e.sessionId !== sessionId) return;
      if (e.method === 'Runtime.consoleAPICalled' && (e.params.type === 'error' || e.params.type === 'assert'))
        errors.push(JSON.stringify(e.params.args));
      if (e.method === 'Runtime.exceptionThrown') errors.push(JSON.stringify(e.params.exceptionDetails));
      if (e.method === 'Log.entryAdded' && (e.params.entry as { level: string }).level === 'error')
        errors.push((e.params.entry as { text: string }).text);
    });
    await browser.send('Runtime.enable', {}, sessionId);
    await browser.send('Log.enable', {}, sessionId);
    await browser.send('Page.enable', {}, sessionId);
    await browser.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = browser.waitFor('Page.loadEventFired', sessionId);
    await browser.send('Page.navigate', { url: pathToFileURL(file).href }, sessionId);
    await loaded;

    const evaluate = async <T>(expression: string): Promise<T> => {
      const r = await browser.send<{ result: { value: T } }>('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
      return r.result.value;
    };
    const cells = await evaluate<{ metric: string; source: string; split: string; text: string }[]>(
      `[...document.querySelectorAll('td[data-metric]')].map(td => ({metric: td.dataset.metric, source: td.dataset.source, split: td.dataset.split, text: td.textContent}))`,
    );
    const cell = (metric: string, source: string, split = 'test') =>
      cells.find((c) => c.metric === metric && c.source === source && c.split === split)?.text;
    assert.equal(cell('Bleu_4', 'original'), '0.3125');
    assert.equal(cell('Bleu_4', 'fused'), '0.1875');
    assert.equal(cell('Bleu_4', 'generated'), '0.0625');
    assert.equal(cell('CIDEr-D', 'original'), '1.2345');
    assert.equal(cell('CIDEr-D', 'fused'), '—');
    assert.equal(cell('CLIPScore', 'generated'), 'unavailable');
    assert.equal(cell('R@1 i2t', 'generated', 'val'), '37.5000');
    const ablation = await evaluate<string>(`document.querySelector('tr[data-ablation="objects+attributes+ocr"]').textContent`);
    assert.match(ablation, /95\.0%/);
    const page = await evaluate<{ boxes: number; imgs: number; title: string; shown: boolean; scriptTags: number }>(
      `({boxes: document.querySelectorAll('rect.box').length, imgs: [...document.images].filter(i => i.complete && i.naturalWidth > 0).length,
      title: document.title, shown: document.querySelector('.pic img').getBoundingClientRect().width > 0, scriptTags: document.scripts.length})`,
    );
    assert.equal(page.boxes, 2);
    assert.equal(page.imgs, 1);
    assert.equal(page.shown, true);
    assert.equal(page.scriptTags, 0);
    assert.equal(page.title, 'FuseCap benchmark <sample> & "quotes"');

    const height = await evaluate<number>('document.documentElement.scrollHeight');
    await browser.send(
      'Emulation.setDeviceMetricsOverride',
      { width: 1280, height: Math.min(height, 4000), deviceScaleFactor: 1, mobile: false },
      sessionId,
    );
    const shot = await browser.send<{ data: string }>('Page.captureScreenshot', { format: 'png' }, sessionId);
    const png = Buffer.from(shot.data, 'base64');
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const shotFile = join(dir, 'report.png');
    writeFileSync(shotFile, png);
    t.diagnostic(`screenshot: ${shotFile}`);
    assert.deepEqual(errors, []);
  },
);
