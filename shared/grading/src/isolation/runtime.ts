/**
 * The implementation as a grader sees it when it runs isolated: `impl` resolves each export in
 * the realm of the node being created (inside a simulation's factory) or in the grader's own
 * realm (direct calls such as property tests). Each node incarnation gets a fresh realm.
 */
import type { NodeFactory, NodeId } from "@faultline/sim";
import { CompiledBundle, handleOf, Realm, type RealmOptions } from "./realm.ts";

export interface BundleRef {
  code: string;
  hash: string;
  /** Shown in stacks before source maps apply, e.g. "raft (your code)". */
  label: string;
  /** Folder the bundle's source paths are relative to, and the root to show paths from. */
  sourceDir: string;
  displayRoot: string;
  /** The module file the bundle was made from. */
  entry: string;
}

const compiled = new Map<string, CompiledBundle>();

export function compileBundle(b: BundleRef, showSource: (s: string) => string): CompiledBundle {
  let c = compiled.get(b.hash);
  if (!c) {
    c = new CompiledBundle(b.code, `faultline:${b.label}`, showSource);
    compiled.set(b.hash, c);
  }
  return c;
}

export class IsolatedImpl {
  private library: Realm | undefined;
  /** The realm of the node whose factory is running. */
  private current: Realm | undefined;
  /** Every realm built for this run, given back to the bundle's pool by dispose(). */
  private readonly realms: Realm[] = [];
  readonly impl: Record<string, unknown>;

  constructor(
    private readonly bundle: CompiledBundle,
    private readonly probe?: RealmOptions["probe"],
    /** Node properties the grader reads after every step (LabGrader.observe). */
    private readonly observe?: readonly string[],
  ) {
    const exportsOf = () => (this.current ?? this.libraryRealm()).exports();
    this.impl = new Proxy(Object.create(null) as Record<string, unknown>, {
      get: (_t, k) => (typeof k === "string" ? exportsOf()[k] : undefined),
      has: (_t, k) => typeof k === "string" && k in exportsOf(),
      ownKeys: () => Reflect.ownKeys(exportsOf()),
      getOwnPropertyDescriptor: (_t, k) => {
        const d = Reflect.getOwnPropertyDescriptor(exportsOf(), k);
        return d ? { ...d, configurable: true } : undefined;
      },
      set: () => {
        throw new TypeError("the implementation's exports are read-only");
      },
    });
  }

  /** Load the module once in the grader's realm: a module that throws while loading fails here. */
  load(): void {
    this.libraryRealm();
  }

  libraryRealm(): Realm {
    if (!this.library) {
      this.library = new Realm(this.bundle, {
        label: "the implementation",
        ...(this.probe ? { probe: this.probe } : {}),
      });
      this.realms.push(this.library);
    }
    return this.library;
  }

  /**
   * The run is over: its contexts go back to the pool for the next run (reset, so nothing of
   * this run is left in them). A proxy of this run read afterwards throws.
   */
  dispose(): void {
    this.library = undefined;
    for (const r of this.realms.splice(0)) r.retire();
  }

  /**
   * Build node `id` with `factory` in `realm` (a realm of its own for each node of an
   * exhaustive search, which keeps all of that node's states in it).
   */
  buildIn<N>(realm: Realm, id: NodeId, factory: (id: NodeId) => N): number {
    const previous = this.current;
    this.current = realm;
    try {
      const node = factory(id);
      const ref = handleOf(node);
      if (!ref || ref.realm !== realm)
        throw new TypeError(
          `the node factory for ${id} returned something that is not an object of the implementation`,
        );
      return ref.h;
    } finally {
      this.current = previous;
    }
  }

  /** A new realm for node `id`, given back with the others by dispose(). */
  nodeRealm(id: NodeId): Realm {
    const realm = new Realm(this.bundle, { label: id, ...(this.probe ? { probe: this.probe } : {}) });
    this.realms.push(realm);
    return realm;
  }

  /** A factory whose every call builds the node in a fresh realm. */
  wrapFactory<M, T>(factory: NodeFactory<M, T>): NodeFactory<M, T> {
    return (id: NodeId) => {
      const realm = new Realm(this.bundle, {
        label: id,
        ...(this.probe ? { probe: this.probe } : {}),
        ...(this.observe ? { observe: this.observe } : {}),
      });
      this.realms.push(realm);
      const previous = this.current;
      this.current = realm;
      try {
        const node = factory(id);
        const ref = handleOf(node);
        if (!ref)
          throw new TypeError(
            `the node factory for ${id} returned something that is not an object of the implementation`,
          );
        ref.realm.asNode(node);
        return node;
      } finally {
        this.current = previous;
      }
    };
  }
}
