// Deciding a request: the canonical decision string signed with the device key is both the authorisation and
// the evidence the server keeps. 409 (decided elsewhere first) and 410 (expired) are outcomes, not errors.
import { z } from 'zod';
import { signText } from '../../protocol/crypto.js';
import { type ApprovalRequest, Decision, DecisionResult, HttpStatus, canonicalDecision } from '../../protocol/index.js';
import type { DecideInput, DecideOutcome, Result } from './api.js';
import type { DeviceClient } from './device-client.js';
import { expectReply, replyError } from './http.js';
import { fail, ok } from './result.js';

export interface SentDecision {
  outcome: DecideOutcome;
  body: Decision;
}

// Stands in for the signature while the input is checked, so that bad input never touches the keychain.
const PLACEHOLDER_SIGNATURE = 'A'.repeat(86);

function decisionBody(input: DecideInput, request: ApprovalRequest | null): Result<Omit<Decision, 'signature'>> {
  const body: Omit<Decision, 'signature'> = { decision: input.decision };
  if (input.bindingCode !== undefined) body.binding_code = input.bindingCode;
  if (input.trustIp) body.trust_ip = true;
  if (input.deactivateCredential) body.deactivate_credential = true;
  if (input.scope !== undefined) body.scope = input.scope;
  const parsed = Decision.safeParse({ ...body, signature: PLACEHOLDER_SIGNATURE });
  if (!parsed.success) return fail('INVALID_INPUT', z.prettifyError(parsed.error));
  // A typed code: the device is told only its length; whether it is right, only the server knows.
  const codeLength = request?.code_length ?? 0;
  if (codeLength > 0 && input.decision === 'APPROVE' && input.bindingCode?.length !== codeLength) {
    return fail('INVALID_INPUT', `Type the ${codeLength}-digit code the program shows.`);
  }
  if (request && codeLength === 0 && input.bindingCode !== undefined) {
    return fail('INVALID_INPUT', 'This request asks for no code: leave the code out.');
  }
  return ok(body);
}

/** Signs and posts a decision; `request` (when queued here) lets the typed code's length be checked first. */
export async function sendDecision(
  device: DeviceClient,
  uuid: string,
  input: DecideInput,
  request: ApprovalRequest | null,
): Promise<Result<SentDecision>> {
  if (!z.uuid().safeParse(uuid).success) return fail('INVALID_INPUT', `"${uuid}" is not a request uuid.`);
  const unsigned = decisionBody(input, request);
  if (!unsigned.ok) return unsigned;
  const signer = await device.signer();
  if (!signer.ok) return signer;
  const body: Decision = {
    ...unsigned.value,
    signature: signText(signer.value.key, canonicalDecision(uuid, unsigned.value)),
  };
  const reply = await device.send({ method: 'POST', path: `/v1/session-server-request/${uuid}/decision`, body });
  if (!reply.ok) return reply;
  if (reply.value.status === HttpStatus.CONFLICT) return ok({ outcome: { outcome: 'already-decided' }, body });
  if (reply.value.status === HttpStatus.GONE) return ok({ outcome: { outcome: 'expired' }, body });
  if (reply.value.status !== HttpStatus.OK) return replyError(reply.value, 'Sending the decision');
  const result = expectReply(reply.value, DecisionResult, 'Sending the decision');
  if (!result.ok) return result;
  const { status, binding_mismatch } = result.value.Response[0].SessionServerRequest;
  return ok({ outcome: { outcome: 'decided', status, bindingMismatch: binding_mismatch }, body });
}
