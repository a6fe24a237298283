// Session tokens for the API tests: each test user signs in once through the login mutation (password "test-password").
import { postGraphQL } from '../support/harness.ts';

const LOGIN = `mutation($u: String!) { login(username: $u, password: "test-password") { ... on MutationLoginSuccess { data { token } } } }`;

/**
 * Sign the users in, one after another, on the server at `url`: their bearer
 * tokens under the given keys (`{ key: username }`, or a list of usernames
 * that are their own keys).
 */
export async function sessionTokens<K extends string>(
  url: string,
  users: readonly K[] | Readonly<Record<K, string>>,
): Promise<Record<K, string>> {
  const pairs: [K, string][] = Array.isArray(users)
    ? (users as readonly K[]).map((u) => [u, u])
    : (Object.entries(users) as [K, string][]);
  const tokens = {} as Record<K, string>;
  for (const [key, username] of pairs) {
    tokens[key] = (await postGraphQL(url, LOGIN, { u: username })).data.login.data.token;
  }
  return tokens;
}
