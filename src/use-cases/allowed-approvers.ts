/**
 * Who may decide an approval: the run-time parameter `approval/allowed-approvers` (addresses separated
 * by commas or spaces). Absent or empty, anyone with the link may; a store that cannot be read fails the
 * request (the decision is not recorded), rather than silently letting anyone decide.
 */
import { ALLOWED_APPROVERS_PARAMETER, parseAllowedApprovers } from '../core/approval';
import type { ParameterStore } from '../ports/parameter-store';

export async function readAllowedApprovers(parameterStore: ParameterStore, parameterPath: string): Promise<string[]> {
  try {
    return parseAllowedApprovers((await parameterStore.get(`${parameterPath.replace(/\/+$/, '')}/${ALLOWED_APPROVERS_PARAMETER}`)).value);
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFoundError') return [];
    throw error;
  }
}
