import { KvNode as Reference, versionId } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/**
 * Checks a handoff's acknowledgement against the hint by stamp ids in every mode, while the
 * handoff recorded vector ids in vv mode: in vv mode no hint is ever deleted.
 */
export class KvNode extends Reference {
  protected override onHandoffAck(rid: string): void {
    const sent = this.handoffs.get(rid);
    this.handoffs.delete(rid);
    if (!sent) return;
    const h = this.hinted.get(sent.hid);
    if (!h) return;
    if (!h.versions.every((v) => sent.ids.includes(versionId(v, false)))) return;
    this.hinted.delete(sent.hid);
    this.env.disk.delete(sent.hid);
    this.env.disk.sync();
  }
}
