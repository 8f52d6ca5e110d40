/**
 * Approval requests waiting for a decision, and the outbox. A request's link is recovered from the mail
 * that carried it (only the id's hash is stored), and given only to a reader on this machine: the caller
 * says whether the request came from loopback.
 */
import { effectiveStatus, hashApprovalId, type ApprovalRequest } from '../../src/core/approval';
import type { ApprovalStore } from '../../src/ports/approval-store';
import type { OutboxEntry, OutboxMailer } from '../adapters/outbox-mailer';
import { linkIdFrom } from '../auto-approve';

export interface PendingApproval {
  stage: string;
  executionArn: string;
  modelPackageArn: string;
  createdAt: string;
  expiresAt: string;
  sentTo?: string[];
  /** The evidence the approvers decide on (losses, exact). */
  evidence: ApprovalRequest['evidence'];
  /** `/approvals/{id}`: only for a reader on this machine, and only when its mail is in the outbox. */
  link?: string;
}

export interface InboxView {
  pending: PendingApproval[];
  outbox: Array<OutboxEntry & { href: string }>;
}

/** Outbox messages shown at most: the newest. */
export const MAX_OUTBOX = 50;

/** The link id each outbox file carries (null: none). A mail never changes once written, so a poll reads only new ones. */
export type LinkIdsByFile = Map<string, string | null>;

export async function inboxView(
  deps: { approvals: Pick<ApprovalStore, 'listPending'>; mailer: Pick<OutboxMailer, 'list' | 'read'>; now: Date; linkIds?: LinkIdsByFile },
  options: { withLinks: boolean },
): Promise<InboxView> {
  const messages = await deps.mailer.list();
  const links = new Map<string, string>();
  const linkIds = deps.linkIds ?? new Map<string, string | null>();
  if (options.withLinks) {
    for (const message of messages) {
      if (!linkIds.has(message.file)) linkIds.set(message.file, linkIdFrom((await deps.mailer.read(message.file)).replace(/=\r?\n/g, '')) ?? null);
      const id = linkIds.get(message.file);
      if (id) links.set(hashApprovalId(id), id);
    }
  }
  const pending = (await deps.approvals.listPending())
    .filter((r) => effectiveStatus(r, deps.now) === 'pending')
    .map((r) => {
      const id = links.get(r.idHash);
      return {
        stage: r.stage,
        executionArn: r.executionArn,
        modelPackageArn: r.modelPackageArn,
        createdAt: r.createdAt,
        expiresAt: r.expiresAt,
        ...(r.sentTo ? { sentTo: r.sentTo } : {}),
        evidence: r.evidence,
        ...(id ? { link: `/approvals/${encodeURIComponent(id)}` } : {}),
      };
    });
  const outbox = messages.slice(0, MAX_OUTBOX).map((m) => ({ ...m, href: `/outbox/${encodeURIComponent(m.file)}` }));
  return { pending, outbox };
}
