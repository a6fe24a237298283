import ExcelJS from 'exceljs';
import { Document, Packer, Paragraph } from 'docx';
import { describe, expect, it } from 'vitest';
import {
  checkEvidenceFile,
  checklistComplete,
  closureEvidenceRefusal,
  DEFAULT_EVIDENCE_RULES,
  evidenceCountRefusal,
  evidenceRules,
  evidenceRulesProblem,
  sanitizeFileName,
  sniffType,
  typeByName,
  zipEntryNames,
} from '../../domain/evidence';
import { planSettings } from '../../domain/types';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
const PDF = new TextEncoder().encode('%PDF-1.4\n%âãÏÓ\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
const JPG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70]);
const GIF = new TextEncoder().encode('GIF89a\x01\x00\x01\x00');
const WEBP = new TextEncoder().encode('RIFF\x24\x00\x00\x00WEBPVP8 ');

async function docx(): Promise<Uint8Array> {
  return new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('佐证')] }] })));
}
async function xlsx(): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('表1').addRow(['佐证', 1]);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe('evidence rules', () => {
  it('has its defaults in one place, merged into the plan settings', () => {
    expect(DEFAULT_EVIDENCE_RULES).toEqual({
      maxFileMB: 20,
      maxFiles: 10,
      types: ['pdf', 'docx', 'xlsx', 'png', 'jpg', 'gif', 'webp'],
      requiredForClosure: false,
    });
    expect(planSettings({}).evidence).toEqual(DEFAULT_EVIDENCE_RULES);
    expect(planSettings({ evidence: { maxFiles: 3, requiredForClosure: true } }).evidence).toMatchObject({
      maxFileMB: 20,
      maxFiles: 3,
      requiredForClosure: true,
    });
    expect(evidenceRules({ types: ['pdf', 'exe' as never] }).types).toEqual(['pdf']);
  });

  it('refuses unreasonable settings, Chinese first', () => {
    expect(evidenceRulesProblem({ maxFileMB: 0 })?.zh).toMatch(/上限/);
    expect(evidenceRulesProblem({ maxFileMB: 500 })?.zh).toMatch(/100 MB/);
    expect(evidenceRulesProblem({ maxFiles: 0 })?.zh).toMatch(/文件数/);
    expect(evidenceRulesProblem({ types: [] })?.zh).toMatch(/至少/);
    expect(evidenceRulesProblem({ types: ['exe' as never] })?.zh).toMatch(/不支持.*exe/);
    expect(evidenceRulesProblem({ maxFileMB: 5, maxFiles: 3, types: ['pdf'] })).toBeNull();
  });
});

describe('sniffing', () => {
  it('knows each accepted type by its magic bytes', async () => {
    expect(sniffType(PDF)).toBe('pdf');
    expect(sniffType(PNG)).toBe('png');
    expect(sniffType(JPG)).toBe('jpg');
    expect(sniffType(GIF)).toBe('gif');
    expect(sniffType(WEBP)).toBe('webp');
    expect(sniffType(await docx())).toBe('docx');
    expect(sniffType(await xlsx())).toBe('xlsx');
  });

  it('tells docx from xlsx from any other ZIP by the entry names', async () => {
    expect(zipEntryNames(await docx())).toContain('word/document.xml');
    expect(zipEntryNames(await xlsx())).toContain('xl/workbook.xml');
    expect(sniffType(Uint8Array.from([0x50, 0x4b, 0x03, 0x04]), ['a.txt'])).toBeNull();
    expect(sniffType(Uint8Array.from([0x50, 0x4b, 0x03, 0x04]), ['[Content_Types].xml', 'xl/workbook.xml'])).toBe(
      'xlsx',
    );
    // A truncated ZIP has no central directory.
    expect(zipEntryNames((await docx()).slice(0, 200))).toBeNull();
  });

  it('does not recognise HTML, scripts or text', () => {
    const enc = new TextEncoder();
    expect(sniffType(enc.encode('<!doctype html><script>alert(1)</script>'))).toBeNull();
    expect(sniffType(enc.encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffType(enc.encode('MZ\x90\x00'))).toBeNull();
    expect(sniffType(enc.encode('  %PDF-1.4'))).toBeNull();
    expect(sniffType(new Uint8Array())).toBeNull();
  });
});

describe('checking a file', () => {
  const rules = DEFAULT_EVIDENCE_RULES;
  it('accepts a file whose name and content agree, with the sniffed mime', () => {
    expect(checkEvidenceFile({ name: '现场照片.PNG', size: PNG.length, bytes: PNG }, rules)).toEqual({
      ok: true,
      type: 'png',
      mime: 'image/png',
    });
    expect(checkEvidenceFile({ name: 'a.jpeg', size: JPG.length, bytes: JPG }, rules)).toMatchObject({ type: 'jpg' });
  });

  it('refuses oversize, disallowed, mismatched and empty files with a Chinese reason', () => {
    const big = checkEvidenceFile({ name: 'a.pdf', size: 21 * 1024 * 1024, bytes: PDF }, rules);
    expect(big).toMatchObject({ ok: false, refusal: { code: 'EVIDENCE_TOO_LARGE' } });
    if (!big.ok) expect(big.refusal.zh).toMatch(/^文件“a\.pdf”大小为 21 MB，超过上限 20 MB。$/);
    const exe = checkEvidenceFile({ name: 'run.exe', size: 4, bytes: PNG }, rules);
    expect(exe).toMatchObject({ ok: false, refusal: { code: 'EVIDENCE_TYPE_NOT_ALLOWED' } });
    if (!exe.ok) expect(exe.refusal.zh).toMatch(/只能上传：pdf、docx/);
    const html = checkEvidenceFile({ name: 'page.html', size: 4, bytes: PNG }, rules);
    expect(html).toMatchObject({ ok: false, refusal: { code: 'EVIDENCE_TYPE_NOT_ALLOWED' } });
    const onlyPdf = checkEvidenceFile({ name: 'a.png', size: PNG.length, bytes: PNG }, { ...rules, types: ['pdf'] });
    expect(onlyPdf).toMatchObject({ ok: false, refusal: { code: 'EVIDENCE_TYPE_NOT_ALLOWED' } });
    const mismatch = checkEvidenceFile({ name: '报告.pdf', size: PNG.length, bytes: PNG }, rules);
    expect(mismatch).toMatchObject({ ok: false, refusal: { code: 'EVIDENCE_CONTENT_MISMATCH' } });
    if (!mismatch.ok) expect(mismatch.refusal.zh).toBe('文件“报告.pdf”的内容是PNG 图片，与文件名不符。');
    const garbage = checkEvidenceFile({ name: 'x.docx', size: 3, bytes: Uint8Array.from([1, 2, 3]) }, rules);
    expect(garbage).toMatchObject({ ok: false, refusal: { code: 'EVIDENCE_CONTENT_MISMATCH' } });
    expect(checkEvidenceFile({ name: 'a.png', size: 0, bytes: new Uint8Array() }, rules)).toMatchObject({
      ok: false,
      refusal: { code: 'EVIDENCE_EMPTY' },
    });
  });

  it('counts files per report and requires evidence for closure only where the plan says so', () => {
    expect(evidenceCountRefusal(10, rules)).toBeNull();
    expect(evidenceCountRefusal(11, rules)?.zh).toBe('最多附 10 个文件（本次 11 个）。');
    expect(closureEvidenceRefusal(0, rules)).toBeNull();
    expect(closureEvidenceRefusal(0, { ...rules, requiredForClosure: true })?.code).toBe('EVIDENCE_REQUIRED');
    expect(closureEvidenceRefusal(1, { ...rules, requiredForClosure: true })).toBeNull();
  });

  it('checks the closure checklist: all three boxes', () => {
    expect(checklistComplete({ factsClear: true, problemSolved: true, materialsComplete: true })).toBe(true);
    expect(checklistComplete({ factsClear: true, problemSolved: true, materialsComplete: false })).toBe(false);
    expect(checklistComplete(undefined)).toBe(false);
  });
});

describe('file names', () => {
  it('keeps the base name, drops control and direction-override characters', () => {
    expect(typeByName('报告.Docx')).toBe('docx');
    expect(typeByName('noext')).toBeNull();
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('C:\\Users\\a\\照片.jpg')).toBe('照片.jpg');
    expect(sanitizeFileName('evil\u202Egnp.exe')).toBe('evilgnp.exe');
    expect(sanitizeFileName('a\r\nb".pdf')).toBe('ab_.pdf');
    expect(sanitizeFileName('...')).toBe('附件');
    const long = sanitizeFileName(`${'长'.repeat(300)}.pdf`);
    expect(long.length).toBe(200);
    expect(long.endsWith('.pdf')).toBe(true);
  });
});
