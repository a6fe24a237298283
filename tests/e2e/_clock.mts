import { advanceClock, engineNow } from './browser.ts';
const url = 'http://127.0.0.1:3102/graphql';
const engine = process.argv[2]!;
let tok = '';
async function q(query: string, variables: Record<string, unknown> = {}) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) }, body: JSON.stringify({ query, variables }) });
  return (await r.json()) as any;
}
tok = (await q('mutation{login(username:"office",password:"duban-e2e-pass"){... on MutationLoginSuccess{data{token}}}}')).data.login.data.token;
const fs = await import('node:fs');
const text = fs.readFileSync('tests/fixtures/seeds/wafangdian-medical-alliance-plan-2017.txt', 'utf8');
const r = await q('mutation($t:String){importPlan(text:$t){... on MutationImportPlanSuccess{data{plan{id tasks{taskId title leadDepartment{id}}}}}}}', { t: text });
const t = r.data.importPlan.data.plan.tasks.find((x: any) => x.title === '远程医疗协作网');
await new Promise((res) => setTimeout(res, 1500));
console.log('now', await engineNow(engine));
const due = new Date(Date.now() + 10 * 86400e3).toISOString().slice(0, 10);
console.log(JSON.stringify(await q('mutation($id:ID!,$l:ID!,$d:String){assignTask(taskId:$id,leadDepartmentId:$l,dueDate:$d){__typename ... on DubanError{message} ... on MutationAssignTaskSuccess{data{status health escalationLevel dueDate pendingNotices{kind date}}}}}', { id: t.taskId, l: t.leadDepartment.id, d: due })));
const t0 = Date.now();
await advanceClock(engine, 30 * 86400e3);
console.log('advanced in', Date.now() - t0, 'ms; now', await engineNow(engine));
await new Promise((res) => setTimeout(res, 3000));
console.log(JSON.stringify(await q('query($id:ID!){task(id:$id){status health escalationLevel noticesSent{kind level status} pendingNotices{kind date}}}', { id: t.taskId })));
tok = (await q('mutation{login(username:"supervisor",password:"duban-e2e-pass"){... on MutationLoginSuccess{data{token}}}}')).data.login.data.token;
console.log(JSON.stringify(await q('{notifications{title body createdAt}}')).slice(0, 600));
