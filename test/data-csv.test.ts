/**
 * makeCsvDataset: columns typed by columnDefaults or the first row, quoted fields (also over
 * lines), the label split off, select, batches, and errors naming the line and column; a file
 * of 200,000 rows streams (its rows are counted without holding the file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';

test('makeCsvDataset reads typed columns, quoted fields and the label, in batches', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-csv-'));
  try {
    const path = join(dir, 'people.csv');
    writeFileSync(path, 'age,name,score,label\n31,"Smith, Jo",0.5,1\n47,"He said ""hi""",1.25,0\n\n22,"two\nlines",-3,1\n');
    const ds = nt.data.makeCsvDataset(path, { labelName: 'label', batchSize: 2 });
    const batches = (await ds.toArray()) as unknown as [Record<string, Tensor | nt.StringTensor>, Tensor][];
    assert.equal(batches.length, 2);
    const [features, label] = batches[0];
    assert.deepEqual(Array.from((features.age as Tensor).dataSync()), [31, 47]);
    assert.deepEqual((features.name as nt.StringTensor).toArray(), ['Smith, Jo', 'He said "hi"']);
    assert.deepEqual(Array.from((features.score as Tensor).dataSync()), [0.5, 1.25]);
    assert.deepEqual(Array.from(label.dataSync()), [1, 0]);
    assert.deepEqual((batches[1][0].name as nt.StringTensor).toArray(), ['two\nlines']);
    // select, int columns and defaults for empty fields.
    writeFileSync(path, 'a,b,c\n1,,x\n2,5,y\n');
    const typed = (await nt.data.makeCsvDataset(path, { select: ['a', 'b'], columnDefaults: [{ int: 0 }, -1, ''], batchSize: null }).toArray()) as unknown as Record<string, Tensor>[];
    assert.deepEqual(typed.map((r) => Object.keys(r)), [['a', 'b'], ['a', 'b']]);
    assert.deepEqual(typed.map((r) => [r.a.dtype, r.a.dataSync()[0], r.b.dataSync()[0]]), [['int32', 1, -1], ['int32', 2, 5]]);
    // Errors name the line and the column.
    writeFileSync(path, 'x,y\n1,2\n3,oops\n');
    await assert.rejects(nt.data.makeCsvDataset(path).toArray(), /people\.csv: line 3, column 'y': 'oops' is not a number/);
    writeFileSync(path, 'x,y\n1,2\n3\n');
    await assert.rejects(nt.data.makeCsvDataset(path).toArray(), /line 3: 1 fields where the header has 2 columns/);
    await assert.rejects(nt.data.makeCsvDataset(path, { labelName: 'z' }).toArray(), /no column 'z'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a large CSV streams: 200,000 rows in batches, the sums right', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-csv-big-'));
  try {
    const path = join(dir, 'big.csv');
    const out = createWriteStream(path);
    out.write('i,half\n');
    const n = 200_000;
    for (let i = 0; i < n; i++) out.write(`${i},${i / 2}\n`);
    await new Promise<void>((resolve) => out.end(resolve));
    let rows = 0;
    let sum = 0;
    for await (const b of nt.data.makeCsvDataset(path, { batchSize: 4096 })) {
      const half = (b as Record<string, Tensor>).half.dataSync();
      rows += half.length;
      for (const v of half) sum += v;
    }
    assert.equal(rows, n);
    assert.equal(sum, (n * (n - 1)) / 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
