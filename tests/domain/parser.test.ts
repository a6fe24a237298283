import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../domain/calendar';
import {
  findAnnotation,
  findDeadlines,
  findInTextResponsibility,
  findResponsibility,
  findRecurrences,
  findRelativeDeadlines,
  parsePlan,
  splitDepartments,
  targetsInClause,
  targetsInSentence,
  type ParsedTarget,
} from '../../domain/parser/index';

const seedDir = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url));
const SEEDS = [
  'wafangdian-medical-alliance-plan-2017',
  'hubei-health-service-system-plan-2024',
  'dehui-county-medical-community-plan-2023',
];

// Metric names in the seeds are hand-written descriptions ("紧密型医共体管理的卫生院数");
// the importer proposes a heuristic name, so `metric` is not compared. Everything else is.
const targetFields = (t: ParsedTarget) => ({
  text: t.text,
  value: t.value,
  unit: t.unit,
  comparator: t.comparator,
  value_max: t.value_max,
  implicit: t.implicit,
  date: t.date,
  recurrence: t.recurrence,
});

for (const seed of SEEDS) {
  describe(`seed ${seed}`, () => {
    const expected = JSON.parse(readFileSync(`${seedDir}${seed}.expected.json`, 'utf8'));
    const plan = parsePlan(readFileSync(`${seedDir}${seed}.txt`, 'utf8'), { docName: `${seed}.txt` });

    it('document metadata', () => {
      expect(plan.doc).toBe(expected.doc);
      expect(plan.title).toBe(expected.title);
      expect(plan.issuer).toBe(expected.issuer);
      expect(plan.doc_number).toBe(expected.doc_number);
      expect(plan.co_issuers).toEqual(expected.co_issuers);
    });
    it('department roster', () => {
      expect(plan.departments).toEqual(expected.departments);
    });
    it('task count and paths', () => {
      expect(plan.tasks.length).toBe(expected.tasks.length);
      expect(plan.tasks.map((t) => t.path)).toEqual(expected.tasks.map((t: { path: string[] }) => t.path));
    });
    expected.tasks.forEach((et: any, i: number) => {
      it(`task ${et.path.join(' > ')}`, () => {
        const t = plan.tasks[i];
        expect(t.title).toBe(et.title);
        expect(t.lead).toEqual(et.lead);
        expect(t.cooperating).toEqual(et.cooperating);
        expect(t.deadlines).toEqual(et.deadlines);
        expect(t.recurrence).toBe(et.recurrence);
        expect(t.targets.map(targetFields)).toEqual(et.targets.map(targetFields));
        expect(t.unassigned ?? false).toBe(et.lead.length === 0);
      });
    });
    it('plan targets', () => {
      expect(plan.plan_targets.map(targetFields)).toEqual(expected.plan_targets.map(targetFields));
    });
    it('every target has a metric name and every unassigned task a warning', () => {
      for (const t of [...plan.tasks.flatMap((x) => x.targets), ...plan.plan_targets])
        expect(t.metric.length).toBeGreaterThan(0);
      const unassigned = plan.tasks.filter((t) => t.lead.length === 0).map((t) => t.path);
      expect(plan.warnings.filter((w) => w.code === 'UNASSIGNED_TASK').map((w) => w.path)).toEqual(unassigned);
    });
  });
}

describe('responsibility annotations', () => {
  it('bracket variants: half-width, full-width, 〔〕, nested brackets in names', () => {
    expect(findAnnotation('…工作。(责任部门:市卫健局、市财政局)')).toEqual({
      lead: ['市卫健局'],
      cooperating: ['市财政局'],
    });
    expect(findAnnotation('…工作。（责任部门：市卫健局，市财政局）')).toEqual({
      lead: ['市卫健局'],
      cooperating: ['市财政局'],
    });
    expect(findAnnotation('…。〔责任部门:市财政局、市卫健局、各乡镇(街道)〕')).toEqual({
      lead: ['市财政局'],
      cooperating: ['市卫健局', '各乡镇(街道)'],
    });
  });
  it('牵头单位 / 配合单位 with ; and ；', () => {
    expect(findAnnotation('(牵头单位:市卫健局;配合单位:市财政局、市医保局)')).toEqual({
      lead: ['市卫健局'],
      cooperating: ['市财政局', '市医保局'],
    });
    expect(findAnnotation('（牵头单位：市卫健局；配合单位：市财政局,市医保局）')).toEqual({
      lead: ['市卫健局'],
      cooperating: ['市财政局', '市医保局'],
    });
  });
  it('按职责分工负责 and 负责 forms; separators 、，,;；', () => {
    expect(findAnnotation('(省卫健委、省发改委按职责分工负责)')).toEqual({
      lead: ['省卫健委'],
      cooperating: ['省发改委'],
    });
    expect(findAnnotation('（省卫健委负责）')).toEqual({ lead: ['省卫健委'], cooperating: [] });
    expect(findAnnotation('(省卫健委牵头，省财政厅、省医保局配合)')).toEqual({
      lead: ['省卫健委'],
      cooperating: ['省财政厅', '省医保局'],
    });
    expect(splitDepartments('市卫健局、市财政局，市医保局,市人社局;市民政局；市教育局')).toEqual([
      '市卫健局',
      '市财政局',
      '市医保局',
      '市人社局',
      '市民政局',
      '市教育局',
    ]);
  });
  it('ignores brackets that are not annotations', () => {
    expect(findAnnotation('执业(助理)医师资格、县(市、区)、DRG(按病组付费)')).toBeNull();
    expect(findAnnotation('（2017年７月15日之前）')).toBeNull();
  });
  it('reads subjects of duties in the text, never recipients or generic actors', () => {
    expect(
      findInTextResponsibility('市卫计局负责医疗联合体的管理与考核。市财政局要落实投入政策。三级医院要加强投入。'),
    ).toEqual({
      lead: ['市卫计局'],
      cooperating: ['市财政局'],
    });
    expect(findInTextResponsibility('在市卫计局的指导下，医疗联盟成员单位要设立管理委员会。')).toEqual({
      lead: [],
      cooperating: ['市卫计局'],
    });
    expect(findInTextResponsibility('远程医疗协作网是由市中心医院牵头建立的。')).toEqual({
      lead: ['市中心医院'],
      cooperating: [],
    });
    expect(findInTextResponsibility('完成章程，并报市卫计局。需向卫计局备案，报大连市卫计委备案。')).toEqual({
      lead: [],
      cooperating: [],
    });
  });
});

describe('deadlines and recurrence', () => {
  it('absolute phrases normalised to end dates', () => {
    const text =
      '到2025年完成；2024年底实现；在2017年8月底前建立；2017年9月20日前报送；2017年１２月总结；2017年７月15日之前确定。';
    expect(findDeadlines(text).map((d) => [d.text, d.date])).toEqual([
      ['到2025年', '2025-12-31'],
      ['2024年底', '2024-12-31'],
      ['在2017年8月底前', '2017-08-31'],
      ['2017年9月20日前', '2017-09-20'],
      ['2017年１２月', '2017-12-31'],
      ['2017年７月15日之前', '2017-07-15'],
    ]);
  });
  it('half years and quarters', () => {
    expect(
      findDeadlines('2025年上半年完成，2025年下半年推开，2026年第一季度前，2026年三季度末').map((d) => d.date),
    ).toEqual(['2025-06-30', '2025-12-31', '2026-03-31', '2026-09-30']);
    expect(findDeadlines('2025年6月末').map((d) => d.date)).toEqual(['2025-06-30']);
  });
  it('leaves out year ranges, fiscal years and document numbers', () => {
    expect(findDeadlines('《区域卫生规划（2016-2020年）》、2023年度考核、吉政办发〔2017〕74号')).toEqual([]);
    expect(findDeadlines('2024年2月30日前')).toEqual([]);
  });
  it('relative deadlines: date null without a base date, computed with one', () => {
    expect(findRelativeDeadlines('签订协议之后，在5个工作日内报备')).toEqual([
      { text: '在5个工作日内', amount: 5, unit: 'WORKING_DAY', date: null },
    ]);
    const cal = createCalendar();
    expect(findRelativeDeadlines('在5个工作日内报备', { baseDate: '2026-02-11', calendar: cal })[0].date).toBe(
      '2026-02-25',
    );
    expect(findRelativeDeadlines('30日内整改', { baseDate: '2026-01-31' })[0].date).toBe('2026-03-02');
    expect(findRelativeDeadlines('3个月内完成', { baseDate: '2026-11-30' })[0].date).toBe('2027-02-28');
  });
  it('recurrence words', () => {
    expect(findRecurrences('每季度开展改革评估')).toEqual(['quarterly']);
    expect(findRecurrences('每月报送，每年考核，每2年调整，每两年评估，每周出诊')).toEqual([
      'monthly',
      'annual',
      'biennial',
      'weekly',
    ]);
    expect(findRecurrences('每个工作周期')).toEqual([]);
  });
  it('a task with a relative deadline keeps it aside from absolute deadlines', () => {
    const plan = parsePlan('一、主要任务\n（一）报备\n协议签订后，在5个工作日内报市卫健委备案（责任部门：市卫健局）');
    expect(plan.tasks[0].deadlines).toEqual([]);
    expect(plan.tasks[0].relative_deadlines).toEqual([
      { text: '在5个工作日内', amount: 5, unit: 'WORKING_DAY', date: null },
    ]);
  });
});

describe('targets', () => {
  const one = (clause: string) => {
    const [t] = targetsInClause(clause);
    return (
      t && { value: t.value, unit: t.unit, comparator: t.comparator, value_max: t.value_max, implicit: t.implicit }
    );
  };
  it('comparators', () => {
    expect(one('县域就诊率不低于90%')).toEqual({ value: 90, unit: '%', comparator: '>=' });
    expect(one('签约服务人数达到常住人口的30%以上')).toEqual({ value: 30, unit: '%', comparator: '>=' });
    expect(one('每年获批10个左右')).toEqual({ value: 10, unit: '个', comparator: '~' });
    expect(one('不超过3个月的长期处方')).toEqual({ value: 3, unit: '个月', comparator: '<=' });
    expect(one('团队至少具有3-5名医护人员')).toEqual({ value: 3, unit: '名', comparator: 'range', value_max: 5 });
    expect(one('至少有两个工作日')).toEqual({ value: 2, unit: '个工作日', comparator: '>=' });
    expect(one('在5个工作日内报备')).toEqual({ value: 5, unit: '个工作日', comparator: '<=' });
    expect(one('我市组建2个医共体')).toEqual({ value: 2, unit: '个', comparator: '=' });
  });
  it('a trailing 以上 qualifies the whole list', () => {
    expect(
      targetsInClause('分别建设二级、三级医院省级临床重点专科150个、300个以上').map((t) => [t.value, t.comparator]),
    ).toEqual([
      [150, '>='],
      [300, '>='],
    ]);
  });
  it('implicit coverage, deduplicated against an explicit 100%', () => {
    expect(one('2026年实现三级医院县市全覆盖')).toEqual({ value: 100, unit: '%', comparator: '=', implicit: true });
    expect(targetsInSentence('实现乡镇覆盖率达到100%,实现医共体县域内全覆盖').map((t) => t.text)).toEqual([
      '实现乡镇覆盖率达到100%',
    ]);
  });
  it('not targets: conditions, compositions, articles, durations, years, quotes', () => {
    expect(targetsInClause('常住人口超过300万的地级市').length).toBe(0);
    expect(targetsInClause('成员单位由11家卫生院和3家社区卫生服务中心组成').length).toBe(0);
    expect(targetsInClause('自愿选定1个社区卫生服务中心').length).toBe(0);
    expect(targetsInClause('在城市社区卫生服务中心连续工作3个月').length).toBe(0);
    expect(targetsInClause('2025年二级以上公立医院病理服务全流程实现数字化').length).toBe(0);
    expect(targetsInClause('推广“复诊0元号”制度').length).toBe(0);
  });
});

describe('structure', () => {
  it('nested numbering and straight (1)…(n) numbering', () => {
    const plan = parsePlan(
      [
        '某县实施方案',
        '一、总体目标',
        '到2025年，县域就诊率不低于90%。',
        '二、重点任务',
        '（1）建立台账。（责任部门：县卫健局）',
        '（2）完善制度，每季度报送进展。(牵头单位:县财政局;配合单位:县医保局)',
        '（3）加强宣传。',
      ].join('\n'),
    );
    expect(plan.title).toBe('某县实施方案');
    expect(plan.plan_targets).toMatchObject([{ value: 90, comparator: '>=', date: '2025-12-31' }]);
    expect(plan.tasks.map((t) => [t.path, t.title, t.lead, t.cooperating, t.recurrence])).toEqual([
      [['二、重点任务', '（1）'], '建立台账', ['县卫健局'], [], null],
      [['二、重点任务', '（2）'], '完善制度，每季度报送进展', ['县财政局'], ['县医保局'], 'quarterly'],
      [['二、重点任务', '（3）'], '加强宣传', [], [], null],
    ]);
  });
  it('unassigned tasks are flagged, never given an invented department', () => {
    const plan = parsePlan(
      '一、主要任务\n（一）加强宣传\n要加大宣传力度，正确引导舆论。\n（二）强化考核\n各成员单位要加强考核。',
    );
    expect(plan.tasks.map((t) => [t.lead, t.unassigned])).toEqual([
      [[], true],
      [[], true],
    ]);
    expect(plan.warnings.filter((w) => w.code === 'UNASSIGNED_TASK')).toHaveLength(2);
    expect(plan.departments).toEqual([]);
  });
  it('safeguard sections keep only leaves that name a department; annex is not body text', () => {
    const plan = parsePlan(
      '一、主要任务\n（一）甲\n市卫健局负责甲。\n二、保障措施\n（一）加强组织领导\n各单位要重视。\n（二）强化部门协调\n市财政局要保障经费。\n附件：1.成员名单\n2.市发改局',
    );
    expect(plan.tasks.map((t) => t.title)).toEqual(['甲', '强化部门协调']);
    expect(plan.departments).toEqual(['市卫健局', '市财政局', '市发改局']);
  });
});

describe('annotation edge cases', () => {
  it('a bare bracketed department list closing the text is an annotation', () => {
    expect(findAnnotation('完善分级诊疗制度。（市卫健局、市医保局）')).toEqual({
      lead: ['市卫健局'],
      cooperating: ['市医保局'],
    });
    expect(findAnnotation('（市卫健局、市医保局）完善分级诊疗制度。')).toBeNull();
    expect(findAnnotation('每个县(市、区)至少设立1个病区。')).toBeNull();
  });
  it('(由X负责) drops the preposition', () => {
    expect(findAnnotation('(由县卫健局负责)')).toEqual({ lead: ['县卫健局'], cooperating: [] });
  });
});

describe('metadata and roster fallbacks', () => {
  it('title from the notice when the plan has no standalone title line; roster from a member list', () => {
    const plan = parsePlan(
      [
        '某县人民政府办公室关于印发某县医共体建设实施方案的通知',
        '某政办发〔2024〕3号',
        '一、主要任务',
        '（一）甲',
        '完成甲。（责任部门：县卫健局）',
        '附件',
        '某县医共体管理委员会成员名单',
        '主  任：张三 县长',
        '成  员：李四 县卫健局局长',
        '王五 县财政局副局长、赵六 县委宣传部副部长',
      ].join('\n'),
    );
    expect(plan.title).toBe('某县医共体建设实施方案');
    expect(plan.issuer).toBe('某县人民政府办公室');
    expect(plan.doc_number).toBe('某政办发〔2024〕3号');
    expect(plan.departments).toEqual(['县卫健局', '县财政局', '县委宣传部']);
  });
});

describe('issue 13: dates, targets and responsibility written once', () => {
  it('phased schedules take the year written before them; 年内 / 年底前 the plan year; 每月5日前 is no date', () => {
    expect(findDeadlines('2024年9月底前覆盖乡镇，12月底前延伸至村。').map((d) => d.date)).toEqual([
      '2024-09-30',
      '2024-12-31',
    ]);
    // Without a year before it, a month is not a deadline.
    expect(findDeadlines('12月底前完成。')).toEqual([]);
    expect(findDeadlines('年内完成5所', { planYear: 2024 }).map((d) => [d.text, d.date])).toEqual([
      ['年内', '2024-12-31'],
    ]);
    expect(findDeadlines('在5年内完成', { planYear: 2024 })).toEqual([]);
    expect(findDeadlines('每月5日前报送', { planYear: 2024 })).toEqual([]);
    expect(findRelativeDeadlines('每月5日前报送')).toEqual([
      { text: '每月5日前', amount: 5, unit: 'DAY_OF_MONTH', date: null },
    ]);
  });

  it('targets: 学时, 百分点 as a change, two values 分别达到 X和Y, 覆盖全部 as 100%', () => {
    const pick = (s: string) => targetsInSentence(s).map((t) => [t.value, t.unit, t.comparator, t.change ?? false]);
    expect(pick('村医每年参加培训不少于40学时')).toEqual([[40, '学时', '>=', false]]);
    expect(pick('报销比例比县级医院高出10个百分点')).toEqual([[10, '百分点', '>=', true]]);
    expect(pick('过早死亡率下降1个百分点')).toEqual([[1, '百分点', '<=', true]]);
    expect(pick('管理率分别达到70%和65%以上')).toEqual([
      [70, '%', '>=', false],
      [65, '%', '>=', false],
    ]);
    expect(pick('远程会诊覆盖全部乡镇卫生院')).toEqual([[100, '%', '=', false]]);
  });

  it('the convention clause inside an annotation is not a department', () => {
    expect(findAnnotation('合理划分网格。（市卫健委、市发改委，排在第一位的为牵头部门，下同）')).toEqual({
      lead: ['市卫健委'],
      cooperating: ['市发改委'],
    });
  });

  it('generic bodies of the narrative are never responsible: 县级医院要…', () => {
    expect(findResponsibility('县级医院要发挥龙头作用，带动乡镇卫生院提升服务能力。')).toEqual({
      lead: [],
      cooperating: [],
      source: 'NONE',
    });
  });
});
