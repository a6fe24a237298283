// 佐证材料 (evidence): the files departments attach to a progress report or a
// closure request. Pure rules, safe in workflow code: which types a plan
// accepts (by extension AND by content, and the two must agree), how large and
// how many, and whether closure needs any at all.
//
// Only closure may demand evidence (settings.evidence.requiredForClosure):
// routine reports never do; asking departments to screenshot every step is the
// over-recording (过度留痕) that offices must avoid.
//
// The defaults live here and only here (DEFAULT_EVIDENCE_RULES).

export type EvidenceType = 'pdf' | 'docx' | 'xlsx' | 'png' | 'jpg' | 'gif' | 'webp';

export const EVIDENCE_TYPES: Readonly<
  Record<EvidenceType, { mime: string; extensions: readonly string[]; zh: string; en: string }>
> = Object.freeze({
  pdf: { mime: 'application/pdf', extensions: ['pdf'], zh: 'PDF 文档', en: 'PDF document' },
  docx: {
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extensions: ['docx'],
    zh: 'Word 文档',
    en: 'Word document',
  },
  xlsx: {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extensions: ['xlsx'],
    zh: 'Excel 表格',
    en: 'Excel workbook',
  },
  png: { mime: 'image/png', extensions: ['png'], zh: 'PNG 图片', en: 'PNG image' },
  jpg: { mime: 'image/jpeg', extensions: ['jpg', 'jpeg'], zh: 'JPEG 图片', en: 'JPEG image' },
  gif: { mime: 'image/gif', extensions: ['gif'], zh: 'GIF 图片', en: 'GIF image' },
  webp: { mime: 'image/webp', extensions: ['webp'], zh: 'WebP 图片', en: 'WebP image' },
});

export const ALL_EVIDENCE_TYPES = Object.keys(EVIDENCE_TYPES) as EvidenceType[];

/** A plan's evidence rules (settings.evidence). */
export interface EvidenceRules {
  /** Largest file accepted, in MB (1 MB = 1024 × 1024 bytes). */
  maxFileMB: number;
  /** At most this many files on one report or one closure request. */
  maxFiles: number;
  /** Accepted types. */
  types: EvidenceType[];
  /** A closure request must carry at least one file. */
  requiredForClosure: boolean;
}

export const DEFAULT_EVIDENCE_RULES: EvidenceRules = Object.freeze({
  maxFileMB: 20,
  maxFiles: 10,
  types: [...ALL_EVIDENCE_TYPES],
  requiredForClosure: false,
}) as EvidenceRules;

export const EVIDENCE_LIMITS = Object.freeze({ maxFileMB: 100, maxFiles: 50 });

/** Merge a plan's partial rules over the defaults (unknown types dropped). */
export function evidenceRules(partial: Partial<EvidenceRules> | null | undefined = {}): EvidenceRules {
  const p = partial ?? {};
  const types = Array.isArray(p.types)
    ? p.types.filter((t): t is EvidenceType => ALL_EVIDENCE_TYPES.includes(t))
    : DEFAULT_EVIDENCE_RULES.types;
  return {
    maxFileMB: typeof p.maxFileMB === 'number' ? p.maxFileMB : DEFAULT_EVIDENCE_RULES.maxFileMB,
    maxFiles: typeof p.maxFiles === 'number' ? p.maxFiles : DEFAULT_EVIDENCE_RULES.maxFiles,
    types: [...types],
    requiredForClosure:
      typeof p.requiredForClosure === 'boolean' ? p.requiredForClosure : DEFAULT_EVIDENCE_RULES.requiredForClosure,
  };
}

export interface EvidenceRefusal {
  code:
    | 'EVIDENCE_EMPTY'
    | 'EVIDENCE_TOO_LARGE'
    | 'EVIDENCE_TYPE_NOT_ALLOWED'
    | 'EVIDENCE_CONTENT_MISMATCH'
    | 'EVIDENCE_TOO_MANY'
    | 'EVIDENCE_REQUIRED';
  zh: string;
  en: string;
}

/** Why rules a plan's admin typed are not acceptable, or null. */
export function evidenceRulesProblem(partial: Partial<EvidenceRules>): { zh: string; en: string } | null {
  if (partial.maxFileMB !== undefined) {
    const n = partial.maxFileMB;
    if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > EVIDENCE_LIMITS.maxFileMB)
      return {
        zh: `单个文件大小上限须在 0 到 ${EVIDENCE_LIMITS.maxFileMB} MB 之间`,
        en: `The file size limit must be above 0 and at most ${EVIDENCE_LIMITS.maxFileMB} MB`,
      };
  }
  if (partial.maxFiles !== undefined) {
    const n = partial.maxFiles;
    if (!Number.isInteger(n) || n < 1 || n > EVIDENCE_LIMITS.maxFiles)
      return {
        zh: `每次最多文件数须在 1 到 ${EVIDENCE_LIMITS.maxFiles} 之间`,
        en: `The number of files must be between 1 and ${EVIDENCE_LIMITS.maxFiles}`,
      };
  }
  if (partial.types !== undefined) {
    if (!Array.isArray(partial.types) || partial.types.length === 0)
      return { zh: '至少允许一种文件类型', en: 'Allow at least one file type' };
    const unknown = partial.types.filter((t) => !ALL_EVIDENCE_TYPES.includes(t));
    if (unknown.length)
      return {
        zh: `不支持的文件类型：${unknown.join('、')}（可选 ${ALL_EVIDENCE_TYPES.join('、')}）`,
        en: `Unknown file types: ${unknown.join(', ')} (choose from ${ALL_EVIDENCE_TYPES.join(', ')})`,
      };
  }
  return null;
}

/** The file's extension, lower case, without the dot ('' when none). */
export function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name.trim());
  return m ? m[1]!.toLowerCase() : '';
}

/** The type a file name claims, or null when its extension is none we know. */
export function typeByName(name: string): EvidenceType | null {
  const ext = extensionOf(name);
  for (const t of ALL_EVIDENCE_TYPES) if (EVIDENCE_TYPES[t].extensions.includes(ext)) return t;
  return null;
}

const invisible = (code: number): boolean =>
  code < 0x20 ||
  (code >= 0x7f && code <= 0x9f) ||
  (code >= 0x200b && code <= 0x200f) ||
  (code >= 0x202a && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069) ||
  code === 0xfeff;

/**
 * A file name safe to store and show: no directories, no control or
 * bidirectional-override characters, no characters Windows refuses, at most
 * 200 characters (the extension kept). Never empty.
 */
export function sanitizeFileName(raw: string): string {
  let name = String(raw ?? '')
    .split(/[/\\]/)
    .pop()!
    // Control characters and invisible direction overrides (a "gpj.exe" trick).
    .split('')
    .filter((c) => !invisible(c.charCodeAt(0)))
    .join('')
    .replace(/[<>:"|?*]/g, '_')
    .trim()
    .replace(/^\.+/, '');
  if (name.length > 200) {
    const ext = extensionOf(name);
    name = ext ? `${name.slice(0, 199 - ext.length)}.${ext}` : name.slice(0, 200);
  }
  return name || '附件';
}

const startsWith = (bytes: Uint8Array, sig: readonly number[], at = 0): boolean =>
  bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);

const ascii = (bytes: Uint8Array, from: number, to: number): string => {
  let s = '';
  for (let i = from; i < to && i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
};

const u16 = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8);
const u32 = (b: Uint8Array, i: number): number =>
  (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/**
 * The entry names of a ZIP archive, read from its central directory (without
 * inflating anything), or null when the bytes are not a well-formed ZIP.
 */
export function zipEntryNames(bytes: Uint8Array): string[] | null {
  if (!startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return null;
  // End of central directory: 22 bytes plus a comment of up to 65535 bytes, at the end.
  const floor = Math.max(0, bytes.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= floor; i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x05 && bytes[i + 3] === 0x06) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = u16(bytes, eocd + 10);
  let at = u32(bytes, eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || u32(bytes, at) !== 0x02014b50) return null;
    const nameLen = u16(bytes, at + 28);
    const extraLen = u16(bytes, at + 30);
    const commentLen = u16(bytes, at + 32);
    if (at + 46 + nameLen > bytes.length) return null;
    names.push(ascii(bytes, at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/**
 * What the content is, from its first bytes (and, for a ZIP, its entry
 * names): null when it is none of the accepted kinds. `zipEntries` may be
 * given when the caller has listed them already; otherwise they are read
 * from `bytes` (which must then be the whole file).
 */
export function sniffType(bytes: Uint8Array, zipEntries?: readonly string[] | null): EvidenceType | null {
  // A PDF starts with %PDF- (readers tolerate junk before it; we do not).
  if (ascii(bytes, 0, 5) === '%PDF-') return 'pdf';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpg';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    const entries = zipEntries ?? zipEntryNames(bytes);
    if (!entries) return null;
    if (!entries.includes('[Content_Types].xml')) return null;
    if (entries.includes('word/document.xml')) return 'docx';
    if (entries.includes('xl/workbook.xml')) return 'xlsx';
  }
  return null;
}

/** A readable size: 1.5 MB, 320 KB, 12 B. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}

const typesText = (types: readonly EvidenceType[]) => types.map((t) => EVIDENCE_TYPES[t].extensions[0]).join('、');

/**
 * Check one file against a plan's rules: its size, the type its name claims,
 * and that the content is that type. Returns the type and the sniffed mime,
 * or the refusal (Chinese first).
 */
export function checkEvidenceFile(
  file: { name: string; size: number; bytes: Uint8Array; zipEntries?: readonly string[] | null },
  rules: EvidenceRules,
): { ok: true; type: EvidenceType; mime: string } | { ok: false; refusal: EvidenceRefusal } {
  const name = file.name;
  if (file.size === 0) {
    return {
      ok: false,
      refusal: { code: 'EVIDENCE_EMPTY', zh: `文件“${name}”是空文件。`, en: `"${name}" is empty.` },
    };
  }
  const max = rules.maxFileMB * 1024 * 1024;
  if (file.size > max) {
    return {
      ok: false,
      refusal: {
        code: 'EVIDENCE_TOO_LARGE',
        zh: `文件“${name}”大小为 ${formatSize(file.size)}，超过上限 ${rules.maxFileMB} MB。`,
        en: `"${name}" is ${formatSize(file.size)}, over the ${rules.maxFileMB} MB limit.`,
      },
    };
  }
  const claimed = typeByName(name);
  if (!claimed || !rules.types.includes(claimed)) {
    return {
      ok: false,
      refusal: {
        code: 'EVIDENCE_TYPE_NOT_ALLOWED',
        zh: `不接受文件“${name}”的类型，只能上传：${typesText(rules.types)}。`,
        en: `"${name}" is not an accepted type; accepted: ${rules.types.join(', ')}.`,
      },
    };
  }
  const actual = sniffType(file.bytes, file.zipEntries);
  if (actual !== claimed) {
    return {
      ok: false,
      refusal: {
        code: 'EVIDENCE_CONTENT_MISMATCH',
        zh: actual
          ? `文件“${name}”的内容是${EVIDENCE_TYPES[actual].zh}，与文件名不符。`
          : `文件“${name}”的内容不是${EVIDENCE_TYPES[claimed].zh}，与文件名不符。`,
        en: actual
          ? `"${name}" contains a ${EVIDENCE_TYPES[actual].en}, which does not match its name.`
          : `"${name}" is not a ${EVIDENCE_TYPES[claimed].en}, as its name says.`,
      },
    };
  }
  return { ok: true, type: claimed, mime: EVIDENCE_TYPES[claimed].mime };
}

/** Too many files for one report or closure request, or null. */
export function evidenceCountRefusal(count: number, rules: EvidenceRules): EvidenceRefusal | null {
  if (count <= rules.maxFiles) return null;
  return {
    code: 'EVIDENCE_TOO_MANY',
    zh: `最多附 ${rules.maxFiles} 个文件（本次 ${count} 个）。`,
    en: `At most ${rules.maxFiles} files may be attached (got ${count}).`,
  };
}

/** A closure request without evidence on a plan that requires it, or null. */
export function closureEvidenceRefusal(count: number, rules: EvidenceRules): EvidenceRefusal | null {
  if (!rules.requiredForClosure || count > 0) return null;
  return {
    code: 'EVIDENCE_REQUIRED',
    zh: '本方案要求办结申请附佐证材料，请先上传。',
    en: 'This plan requires evidence with a closure request; upload at least one file.',
  };
}

/** The office's closure checklist (事实清楚, 问题解决, 资料齐全): all three for an approval. */
export interface ClosureChecklistValues {
  factsClear: boolean;
  problemSolved: boolean;
  materialsComplete: boolean;
}

export const CLOSURE_CHECKLIST_ITEMS: readonly { key: keyof ClosureChecklistValues; zh: string; en: string }[] = [
  { key: 'factsClear', zh: '事实清楚', en: 'Facts are clear' },
  { key: 'problemSolved', zh: '问题解决', en: 'The problem is solved' },
  { key: 'materialsComplete', zh: '资料齐全', en: 'Materials are complete' },
];

export function checklistComplete(c: Partial<ClosureChecklistValues> | null | undefined): boolean {
  return !!c && CLOSURE_CHECKLIST_ITEMS.every((i) => c[i.key] === true);
}
