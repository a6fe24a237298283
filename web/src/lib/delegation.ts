/** 代理 (acting-for) on the board: the colleagues the signed-in user acts for today. */
import { writable } from 'svelte/store';
import { shanghaiDate } from '../../../domain/calendar';
import { gql } from './graphql';

export interface ActingFor {
  userId: string;
  displayName: string;
  departmentId: string;
  departmentName: string | null;
  endsOn: string;
}

export interface DelegationRow {
  id: string;
  startsOn: string;
  endsOn: string;
  reason: string | null;
  inForce: boolean;
  createdBy: { id: string } | null;
  fromUser: { id: string; displayName: string; departmentName: string | null } | null;
  toUser: { id: string; displayName: string; departmentName: string | null } | null;
}

export const DELEGATION_FIELDS =
  'id startsOn endsOn reason inForce createdBy { id } fromUser { id displayName departmentName } toUser { id displayName departmentName }';

export const actingFor = writable<ActingFor[]>([]);

export async function loadActingFor(): Promise<ActingFor[]> {
  const d = await gql<{ actingFor: ActingFor[] }>(
    '{ actingFor { userId displayName departmentId departmentName endsOn } }',
  ).catch(() => ({ actingFor: [] as ActingFor[] }));
  actingFor.set(d.actingFor);
  return d.actingFor;
}

/** Today's Asia/Shanghai day, for the date inputs' lower bound. */
export const shanghaiToday = (): string => shanghaiDate(Date.now());
