const url = 'http://127.0.0.1:3102/graphql';
let tok = '';
async function q(query: string, variables: Record<string, unknown> = {}) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) }, body: JSON.stringify({ query, variables }) });
  return (await r.json()) as any;
}
tok = (await q('mutation{login(username:"office",password:"duban-e2e-pass"){... on MutationLoginSuccess{data{token}}}}')).data.login.data.token;
const p = (await q('{plans{id title}}')).data.plans[0];
const r = (await q('query($p:ID!){supervisionRounds(planId:$p){id}}', { p: p.id })).data.supervisionRounds[0];
const t = Date.now();
console.log(JSON.stringify(await q('mutation($id:ID!){closeRound(roundId:$id){__typename ... on DubanError{message} ... on MutationCloseRoundSuccess{data{status evaluation{rank score department{name} onTimeRate attainment}}}}}', { id: r.id })), Date.now() - t);
const x = await fetch(`http://127.0.0.1:3102/export/round/${r.id}.xlsx`, { headers: { authorization: `Bearer ${tok}` } });
console.log(x.status, x.headers.get('content-type'));
