/** The plan the fault-injection test imports through the API. */

export const DEPARTMENTS = ['市卫健局', '市财政局', '市医保局', '市人社局', '市发改局'];

/** A plan of `n` tasks, each with a lead, a cooperating department and a target (an indicator). */
export function planText(n: number): string {
  const num = '一二三四五六七八九十';
  const zh = (i: number) =>
    i <= 10
      ? num[i - 1]!
      : i < 20
        ? `十${num[i - 11]}`
        : `${num[Math.floor(i / 10) - 1]}十${i % 10 ? num[(i % 10) - 1] : ''}`;
  const subjects = [
    '分级诊疗',
    '家庭医生签约',
    '医保支付',
    '药品集采',
    '公立医院绩效',
    '基层能力',
    '信息平台',
    '中医药服务',
  ];
  let text = '某市2027年深化医药卫生体制改革重点任务\n\n一、重点任务\n\n';
  for (let i = 0; i < n; i++) {
    const lead = DEPARTMENTS[i % DEPARTMENTS.length]!;
    const co = DEPARTMENTS[(i + 1) % DEPARTMENTS.length]!;
    text += `（${zh(i + 1)}）推进${subjects[i % subjects.length]}改革。到2027年底，覆盖率达到${60 + (i % 30)}%以上。（牵头单位：${lead}；配合单位：${co}）\n\n`;
  }
  return text;
}
