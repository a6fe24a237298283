import { advanceClock, engineNow } from './browser.ts';
const url = 'http://127.0.0.1:3102/graphql';
const engine = process.argv[2]!;
let tok = '';
async function q(query: string, variables: Record<string, unknown> = {}) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) }, body: JSON.stringify({ query, variables }) });
  return (await r.json()) as any;
}
tok = (await q('mutation{login(username:"office",password:"duban-e2e-pass"){... on MutationLoginSuccess{data{token}}}}')).data.login.data.token;
await advanceClock(engine, 15 * 86400e3);
console.log('now', await engineNow(engine));
await new Promise((res) => setTimeout(res, 2000));
const plans = (await q('{plans{id title}}')).data.plans;
for (const p of plans) console.log(p.title, JSON.stringify(await q('query($p:ID!){supervisionRounds(planId:$p){id label status reportDueDate reports{id} evaluation{rank}}}', { p: p.id })));
