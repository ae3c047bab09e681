/**
 * Part C: a totally ordered group chat (Lamport 1978, section "Ordering the Events Totally",
 * where the same construction grants a mutual-exclusion resource in request order).
 *
 * Every node shows every chat message, and all nodes show them in the same order: Lamport's
 * total order of the messages' post timestamps, (ts, node) with ties broken by node number.
 * Because that order extends happened-before, an answer is never shown before its question.
 *
 * Delivery condition. A node may deliver (show) the queued message m with the smallest stamp
 * once it knows that no message with a smaller stamp can still arrive: it has received, from
 * every other node, something stamped later than m (or m itself, from m's sender). That
 * reasoning needs FIFO links: a node's messages must be processed in the order it sent them.
 * So that every node hears from every other node, a node answers every chat message with an
 * acknowledgement to all nodes, stamped with its clock after the receive.
 *
 * The network loses, duplicates and reorders messages. Build FIFO links first: number the
 * messages per destination, resend what was not acknowledged on a timer, and process a peer's
 * messages strictly in number order (buffer early ones, ignore repeats).
 *
 * Happened-before is graded as it really happened: a post that follows the arrival of any
 * message from another node (a chat message, an acknowledgement, a link-ack, a repeat, one
 * you buffer for later) happened after that message was sent. So every message between nodes
 * carries the sender's Lamport timestamp (tick on every send), and every arrival applies IR2b
 * before anything else.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";

/** What the application shows: the message's text, its post stamp (ts, from). */
export interface ChatEntry {
  ts: number;
  from: NodeId;
  text: string;
}

/** What the Lamport layer sends over the FIFO links: a chat message or an acknowledgement. */
export type ChatBody = { kind: "chat"; ts: number; text: string } | { kind: "ack"; ts: number };

export type ChatMsg =
  /** From the grader's client: post `text` to the group (a local event on this node). */
  | { type: "post"; text: string }
  /** Node to node: the `seq`-th message on the link from the sender to the receiver. `ts`: the sender's clock at this send. */
  | { type: "link"; ts: number; seq: number; body: ChatBody }
  /** Node to node: "I have processed your messages 1..upTo". `ts`: the sender's clock at this send. */
  | { type: "link-ack"; ts: number; upTo: number };

/** Resend unacknowledged link messages this often (ms). */
export const RETRANSMIT_MS = 30;

/**
 * A chat node. Hook the grader reads after every event: `delivered`, the messages shown so
 * far, in the order shown. Never remove or reorder entries. No crashes in this part.
 */
export class ChatNode implements Node<ChatMsg> {
  protected env!: Env<ChatMsg>;
  /** Hook: what this node has shown, in order. */
  readonly delivered: ChatEntry[] = [];

  start(env: Env<ChatMsg>): void {
    this.env = env;
    // TODO: a Lamport clock, per-peer link state (next seq out, unacknowledged messages, next
    // seq expected in, early arrivals), the latest stamp heard from each peer, the queue of
    // messages waiting for delivery, and a "retransmit" timer every RETRANSMIT_MS.
    throw new NotImplemented("ChatNode.start");
  }

  onMessage(from: NodeId, msg: ChatMsg): void {
    // TODO: first IR2b with msg.ts for every message from a node. Then "post" -> post(msg.text);
    // "link" -> FIFO receive (process in seq order, then answer with a link-ack, then
    // tryDeliver); "link-ack" -> forget acknowledged messages.
    throw new NotImplemented("ChatNode.onMessage");
  }

  onTimer(tag: string): void {
    // TODO: on "retransmit", resend every unacknowledged link message (a fresh ts: it is a new
    // send event) and set the timer again.
    throw new NotImplemented("ChatNode.onTimer");
  }

  /** Post a chat message: stamp it, queue it locally, send it to every peer. */
  protected post(text: string): void {
    // TODO
    throw new NotImplemented("ChatNode.post");
  }

  /** Process the next in-order body from `from`: remember its stamp; a chat message is queued and acknowledged. */
  protected handleBody(from: NodeId, body: ChatBody): void {
    // TODO: chat -> queue it and acknowledge to all peers; ack -> only the stamp matters.
    throw new NotImplemented("ChatNode.handleBody");
  }

  /** Deliver queued messages in stamp order while the delivery condition holds. */
  protected tryDeliver(): void {
    // TODO: the smallest queued stamp is deliverable once every peer has been heard from
    // with a stamp at or beyond it (compareStamps).
    throw new NotImplemented("ChatNode.tryDeliver");
  }
}
