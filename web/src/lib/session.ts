/** Who is signed in (from `me`), loaded once at start and after login. */
import { writable } from 'svelte/store';
import { gql } from './graphql';

export type Role = 'OFFICE' | 'DEPARTMENT' | 'SUPERVISOR' | 'ADMIN';

export interface Me {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  department: { id: string; name: string } | null;
}

export const me = writable<Me | null | undefined>(undefined);

export const ME_FIELDS = 'id username displayName role department { id name }';

export async function loadMe(): Promise<Me | null> {
  try {
    const d = await gql<{ me: Me | null }>(`{ me { ${ME_FIELDS} } }`);
    me.set(d.me);
    return d.me;
  } catch {
    me.set(null);
    return null;
  }
}

/** The page a role lands on after signing in. */
export function homeFor(role: Role): string {
  if (role === 'DEPARTMENT') return '/my';
  if (role === 'SUPERVISOR') return '/dashboard';
  return '/board';
}

export const isOffice = (u: Me | null | undefined) => u?.role === 'OFFICE' || u?.role === 'ADMIN';
