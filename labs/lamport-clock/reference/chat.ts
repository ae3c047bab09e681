/**
 * Part C, reference: a totally ordered group chat over FIFO links built on a lossy network
 * (Lamport 1978, total ordering of events). See src/chat.ts for the exercise text.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import { RETRANSMIT_MS, type ChatBody, type ChatEntry, type ChatMsg } from "../src/chat.ts";
import { LamportClock, compareStamps, type Stamp } from "./lamport.ts";

export { RETRANSMIT_MS, type ChatBody, type ChatEntry, type ChatMsg }; // given in the stub

/** One direction of a FIFO link, as seen from this node. */
interface LinkState {
  /** Outgoing: the number of the last message sent to the peer. */
  lastSent: number;
  /** Outgoing: sent but not yet acknowledged, by number. */
  unacked: Map<number, ChatBody>;
  /** Incoming: the number of the next message to process from the peer. */
  expected: number;
  /** Incoming: messages that arrived ahead of `expected`. */
  early: Map<number, ChatBody>;
}

export class ChatNode implements Node<ChatMsg> {
  private env!: Env<ChatMsg>;
  readonly delivered: ChatEntry[] = [];
  private clock = new LamportClock();
  private links = new Map<NodeId, LinkState>();
  /** The latest stamp processed from each peer (FIFO: nothing smaller can follow from it). */
  private heard = new Map<NodeId, Stamp>();
  /** Chat messages waiting for delivery. */
  private queue: ChatEntry[] = [];

  start(env: Env<ChatMsg>): void {
    this.env = env;
    for (const p of env.peers) {
      this.links.set(p, { lastSent: 0, unacked: new Map(), expected: 1, early: new Map() });
      this.heard.set(p, { time: 0, node: p });
    }
    env.setTimer(RETRANSMIT_MS, "retransmit");
  }

  onMessage(from: NodeId, msg: ChatMsg): void {
    // IR2b on every arrival (early, repeated and link-level messages included): whatever
    // this node does next happened after the send of this message.
    if (msg.type !== "post") this.clock.receive(msg.ts);
    switch (msg.type) {
      case "post":
        this.post(msg.text);
        break;
      case "link": {
        const link = this.links.get(from);
        if (!link) return;
        if (msg.seq >= link.expected) link.early.set(msg.seq, msg.body);
        for (let body = link.early.get(link.expected); body !== undefined; body = link.early.get(link.expected)) {
          link.early.delete(link.expected);
          link.expected++;
          this.handleBody(from, body);
        }
        this.env.send(from, { type: "link-ack", ts: this.clock.send(), upTo: link.expected - 1 });
        this.tryDeliver();
        break;
      }
      case "link-ack": {
        const link = this.links.get(from);
        if (!link) return;
        for (const seq of link.unacked.keys()) if (seq <= msg.upTo) link.unacked.delete(seq);
        break;
      }
    }
  }

  onTimer(tag: string): void {
    if (tag !== "retransmit") return;
    for (const [peer, link] of this.links) {
      for (const [seq, body] of link.unacked) this.env.send(peer, { type: "link", ts: this.clock.send(), seq, body });
    }
    this.env.setTimer(RETRANSMIT_MS, "retransmit");
  }

  private post(text: string): void {
    const ts = this.clock.send();
    this.queue.push({ ts, from: this.env.id, text });
    this.broadcast({ kind: "chat", ts, text });
    this.tryDeliver();
  }

  /** Send `body` to every peer over the FIFO links. */
  private broadcast(body: ChatBody): void {
    for (const [peer, link] of this.links) {
      const seq = ++link.lastSent;
      link.unacked.set(seq, body);
      this.env.send(peer, { type: "link", ts: this.clock.send(), seq, body });
    }
  }

  private handleBody(from: NodeId, body: ChatBody): void {
    this.heard.set(from, { time: body.ts, node: from });
    if (body.kind === "chat") {
      this.queue.push({ ts: body.ts, from, text: body.text });
      this.broadcast({ kind: "ack", ts: this.clock.send() });
    }
  }

  private tryDeliver(): void {
    this.queue.sort((a, b) => compareStamps({ time: a.ts, node: a.from }, { time: b.ts, node: b.from }));
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      const stamp: Stamp = { time: head.ts, node: head.from };
      if (!this.canDeliver(stamp)) return;
      this.queue.shift();
      this.delivered.push(head);
    }
  }

  /** Every peer has been heard from at or beyond `stamp`, so nothing smaller can still come. */
  private canDeliver(stamp: Stamp): boolean {
    for (const s of this.heard.values()) if (compareStamps(s, stamp) < 0) return false;
    return true;
  }
}
