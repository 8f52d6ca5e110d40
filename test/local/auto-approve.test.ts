import { approvalIdFrom, hashApprovalId } from '../../src/core/approval';
import { approveFromMail } from '../../local/auto-approve';
import { A_TOKEN, T0, aRequest } from '../builders/approvals';
import { InMemoryApprovalStore, RecordingCallbacks } from '../use-cases/fakes';

const ID = approvalIdFrom(Buffer.alloc(32, 3));
const MAIL = `Open this link to see the evidence and approve or reject it:\nhttp://127.0.0.1:8080/approvals/${ID}\n`;

describe('Function: approveFromMail', () => {
  async function aTwinWaitingForApproval() {
    const approvals = new InMemoryApprovalStore();
    await approvals.create(aRequest({ idHash: hashApprovalId(ID) }));
    const callbacks = new RecordingCallbacks();
    const printed: string[] = [];
    const approve = (text: string) => approveFromMail(text, { approvals, callbacks, now: () => T0 }, (line) => printed.push(line));
    return { approvals, callbacks, printed, approve };
  }

  it('approves the request the mail links to, as "auto-approve", and lets the pipeline go on', async () => {
    // Prepare
    const twin = await aTwinWaitingForApproval();

    // Act
    await twin.approve(MAIL);

    // Assess
    expect(await twin.approvals.get(hashApprovalId(ID))).toMatchObject({ status: 'approved', decision: { by: 'auto-approve', from: 'mlops --auto-approve' } });
    expect(twin.callbacks.calls).toEqual([{ kind: 'success', token: A_TOKEN, payload: expect.objectContaining({ approved: true, decidedBy: 'auto-approve' }) }]);
    expect(twin.printed).toEqual(['auto-approve: approved for staging']);
  });

  it('says why a second answer to the same mail changes nothing', async () => {
    // Prepare
    const twin = await aTwinWaitingForApproval();
    await twin.approve(MAIL);

    // Act
    await twin.approve(MAIL);

    // Assess
    expect(twin.callbacks.calls).toHaveLength(1);
    expect(twin.printed[1]).toBe(`auto-approve: nothing changed: this model was already approved by auto-approve at ${T0.toISOString()} from mlops --auto-approve`);
  });

  it('leaves a mail without a link alone', async () => {
    // Prepare
    const twin = await aTwinWaitingForApproval();

    // Act
    await twin.approve('The training stopped: the loss is over the threshold.');

    // Assess
    expect(twin.printed).toEqual(['auto-approve: the mail has no approval link']);
    expect((await twin.approvals.get(hashApprovalId(ID)))?.status).toBe('pending');
  });
});
