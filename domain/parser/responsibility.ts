// Who is responsible: annotations in brackets, or, failing those, departments
// that are the grammatical subject of a duty in the text.
//
// Annotations (first named = lead; brackets （）()〔〕[]【】, lists 、，,;；):
//   (责任部门:市卫健局、市财政局)      (责任单位：…)
//   (牵头单位:X;配合单位:Y、Z)         (牵头部门：X；参与单位：Y)
//   (省卫健委、省发改委按职责分工负责) (省卫健委负责)   (X牵头，Y配合)
// In-text (used only when a task has no annotation; never invented):
//   "市卫计局负责/要/将/通过/对/与…"    subject → responsible, first = lead
//   "由市中心医院牵头"                  → lead
//   "在市卫计局的指导下"                → cooperating (guidance, not ownership)
// Recipients of filings (报市卫计局, 向卫计局备案) and generic actors
// (三级医院, 各医疗机构) are not departments.

const OPEN = '(（〔[［【';
const CLOSE = ')）〕]］】';

export interface BracketGroup {
  /** Inner text, without the outer brackets. */
  inner: string;
  start: number;
  end: number;
}

/** Top-level bracket groups, any bracket style, nesting balanced. */
export function bracketGroups(text: string): BracketGroup[] {
  const out: BracketGroup[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (OPEN.includes(c)) {
      if (depth === 0) start = i;
      depth++;
    } else if (CLOSE.includes(c) && depth > 0) {
      depth--;
      if (depth === 0) out.push({ inner: text.slice(start + 1, i), start, end: i + 1 });
    }
  }
  return out;
}

/** Split a department list on 、，,;；and 和/及 between names. */
export function splitDepartments(list: string): string[] {
  return list
    .split(/[、，,;；]|(?:以及|和|及)(?=[省市县区各])/)
    .map((s) =>
      s
        .trim()
        .replace(/^[：:]/, '')
        .trim(),
    )
    .filter((s) => s.length > 0);
}

/** Looks like an organisation name rather than a phrase. */
export function isDepartmentName(s: string): boolean {
  if (s.length < 2 || s.length > 20) return false;
  if (/[，,。；;：:\s]/.test(s)) return false;
  return (
    /^(省|市|县|区|州|盟|旗|乡|镇|各|中共|自治区|[\u4e00-\u9fa5]{1,6}(省|市|县|区))/.test(s) ||
    /(局|委|办|厅|部|院|中心|署|会|站|所|队|室|政府|单位|部门|街道|[)）])$/.test(s)
  );
}

export interface Responsibility {
  lead: string[];
  cooperating: string[];
  source: 'ANNOTATION' | 'IN_TEXT' | 'NONE';
  /** The text the responsibility was read from (the annotation or the sentence). */
  span?: string;
}

const LABEL_LEAD = /^(?:责任(?:部门|单位)|牵头(?:部门|单位)|主责(?:部门|单位)|负责(?:部门|单位))\s*[:：]\s*/;
const LABEL_COOP = /^(?:配合(?:部门|单位)|参与(?:部门|单位)|协同(?:部门|单位)|协办(?:部门|单位))\s*[:：]\s*/;

/**
 * A plan-wide convention written once: "列在首位的为牵头单位", "排在第一位的为
 * 牵头部门，下同", "第一个单位为牵头单位". Inside an annotation it is stripped.
 */
export const FIRST_IS_LEAD_RE =
  /[，,；;、]?\s*(?:各项任务|以上|上述)?(?:均)?(?:列在|排在|列于|排于|排名)?(?:首位|第一位|第一个|最前|前面)的?(?:单位|部门)?为牵头(?:单位|部门)(?:[，,；;]?\s*其[他余]为(?:配合|参与|责任)(?:单位|部门))?(?:[，,；;]\s*下同)?/;

/** Parse the inside of one bracket group; null when it is not a responsibility annotation. */
export function parseAnnotation(inner: string): { lead: string[]; cooperating: string[] } | null {
  const s = inner
    .replace(FIRST_IS_LEAD_RE, '')
    .replace(/[，,；;]\s*下同$/, '')
    .trim();
  if (!s) return null;
  if (LABEL_LEAD.test(s) || LABEL_COOP.test(s)) {
    const lead: string[] = [];
    const coop: string[] = [];
    // Segments separated by ; or ； each may carry a label.
    let current: 'LEAD' | 'COOP' = 'LEAD';
    for (const seg of s.split(/[;；]/)) {
      let body = seg.trim();
      if (LABEL_LEAD.test(body)) {
        current = 'LEAD';
        body = body.replace(LABEL_LEAD, '');
      } else if (LABEL_COOP.test(body)) {
        current = 'COOP';
        body = body.replace(LABEL_COOP, '');
      }
      const names = splitDepartments(body);
      if (current === 'LEAD') {
        // "责任部门" lists all responsible units: first = lead, the rest cooperate.
        if (lead.length === 0 && names.length) {
          lead.push(names[0]);
          coop.push(...names.slice(1));
        } else coop.push(...names);
      } else coop.push(...names);
    }
    if (lead.length === 0 && coop.length === 0) return null;
    return { lead, cooperating: dedupe(coop.filter((c) => !lead.includes(c))) };
  }
  // (X、Y按职责分工负责) (X负责) (X牵头，Y、Z配合) (X牵头负责)
  const m =
    /^(.+?)(?:按职责分工负责|按职责分工|分别负责|共同负责|牵头负责|负责|牵头)(?:[，,;；]\s*(.+?)(?:配合|参与|协同|协助))?$/.exec(
      s,
    );
  if (!m) return null;
  const names = splitDepartments(m[1].replace(/^由/, ''));
  if (!names.length || !names.every(isDepartmentName)) return null;
  const extra = m[2] ? splitDepartments(m[2]) : [];
  if (!extra.every(isDepartmentName)) return null;
  return { lead: [names[0]], cooperating: dedupe([...names.slice(1), ...extra]) };
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

const ORG_SUFFIX = /(?:局|委|办|厅|部|院|中心|署|委员会|政府|街道|[)）])$/;
const REGION_PREFIX = /^(?:省|市|县|区|州|各|中共)/;

/**
 * The last responsibility annotation in the text (annotations close a task's
 * text). A bare list of departments in brackets, "(市卫健局、市财政局)", counts
 * only when it is the very end of the text and every item is an organisation.
 */
export function findAnnotation(text: string): { lead: string[]; cooperating: string[] } | null {
  const a = findAnnotationSpan(text);
  return a ? { lead: a.lead, cooperating: a.cooperating } : null;
}

/** findAnnotation, with the annotation as written (the source span shown in the preview). */
function findAnnotationSpan(text: string): { lead: string[]; cooperating: string[]; span: string } | null {
  const groups = bracketGroups(text);
  for (let i = groups.length - 1; i >= 0; i--) {
    const a = parseAnnotation(groups[i].inner);
    if (a) return { ...a, span: text.slice(groups[i].start, groups[i].end) };
  }
  const last = groups[groups.length - 1];
  if (last && /^[\s。.；;]*$/.test(text.slice(last.end))) {
    const inner = last.inner.replace(FIRST_IS_LEAD_RE, '').replace(/[，,；;]\s*下同$/, '');
    const names = splitDepartments(inner);
    if (
      names.length &&
      names.every((n) => n.length >= 3 && REGION_PREFIX.test(n) && ORG_SUFFIX.test(n) && isDepartmentName(n))
    )
      return { lead: [names[0]], cooperating: names.slice(1), span: text.slice(last.start, last.end) };
  }
  // An unbracketed line: "牵头单位：X；配合单位：Y" / "责任单位：X、Y".
  for (const line of text.split('\n').reverse()) {
    const l = line.trim().replace(/[。.]$/, '');
    if (!LABEL_LEAD.test(l)) continue;
    const a = parseAnnotation(l);
    if (a && a.lead.every(isDepartmentName)) return { ...a, span: line.trim() };
  }
  return null;
}

// A department as the subject of a duty. Prefix 市/省/县/区; suffix an organisation word.
const SUBJECT_RE =
  /(由|在)?((?:市|省|县|区|州)[\u4e00-\u9fa5]{1,10}?(?:局|委员会|委|办公室|办|部|厅|医院|中心(?:[（(]组[)）])?))(的指导下|负责|要|将|通过|对|与|牵头|会同|组织|统筹|应当|应)/g;
// What may stand right before the subject (sentence start, punctuation, a year).
const SUBJECT_BEFORE = /^$|[\s，,。；;：:！!？?、）)”"年由在]$/;

const GENERIC_BODY_RE = /^(?:省|市|县|区|州)(?:级|域|内|属|直)|^(?:县|市|区)(?:乡|镇|村)/;

/** Departments that are the subject of a duty, in order; lead = first non-guidance one. */
export function findInTextResponsibility(text: string): { lead: string[]; cooperating: string[] } {
  const owners: string[] = [];
  const guides: string[] = [];
  let explicitLead: string | null = null;
  for (const m of text.matchAll(SUBJECT_RE)) {
    const before = text.slice(Math.max(0, (m.index ?? 0) - 1), m.index ?? 0);
    // Without 由/在 the name must start a phrase: "并报市卫计局" is a recipient, not a subject.
    if (!m[1] && !SUBJECT_BEFORE.test(before)) continue;
    const name = m[2];
    // Generic bodies of the narrative (县级医院, 市级医院, 县域医共体) are not departments.
    if (GENERIC_BODY_RE.test(name)) continue;
    if (m[3] === '的指导下') {
      if (m[1] === '在' && !guides.includes(name)) guides.push(name);
      continue;
    }
    if (m[1] === '在') continue; // "在市X…" other than guidance: a place, not an owner
    if (m[1] === '由' && m[3] === '牵头' && !explicitLead) explicitLead = name;
    if (!owners.includes(name)) owners.push(name);
  }
  const ordered = explicitLead ? [explicitLead, ...owners.filter((o) => o !== explicitLead)] : owners;
  const lead = ordered.slice(0, 1);
  const cooperating = [...ordered.slice(1), ...guides.filter((g) => !ordered.includes(g))];
  return { lead, cooperating };
}

export function findResponsibility(text: string, opts: { inText?: boolean } = {}): Responsibility {
  const a = findAnnotationSpan(text);
  if (a) return { ...a, source: 'ANNOTATION' };
  if (opts.inText === false) return { lead: [], cooperating: [], source: 'NONE' };
  const t = findInTextResponsibility(text);
  if (t.lead.length || t.cooperating.length) {
    const first = t.lead[0] ?? t.cooperating[0];
    const at = text.indexOf(first);
    const from = Math.max(0, text.slice(0, at).search(/[^。；;\n]*$/));
    const to = text.slice(at).search(/[。；;\n]/);
    return { ...t, source: 'IN_TEXT', span: text.slice(from, to < 0 ? undefined : at + to) };
  }
  return { lead: [], cooperating: [], source: 'NONE' };
}
