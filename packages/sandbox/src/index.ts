// @ferry/sandbox: runs CB bot code for @ferry/core's conversation simulator in QuickJS compiled to
// WebAssembly (quickjs-emscripten), never with `eval` or `node:vm` in the host. It implements
// core's `CodeSandbox` interface; core stays pure (no I/O, no clock), so the engine, its clock and
// its limits live here, in a package of their own between core and its users (core <- sandbox <-
// api/cli), rather than behind a core subpath that would ship a WebAssembly binary to browsers
// with every import of core.
//
// Each run gets a new QuickJS runtime and context (nothing survives between runs: CB evaluates the
// global functions with each code block, and variables live in botContext, which is the host's),
// with a memory limit, a stack limit and an interrupt handler that stops it at a deadline. Inside,
// `botContext` (also `botcontext`) forwards every method call as JSON to the run's host; a method
// the host does not implement throws inside the bot code and is reported by the host. `Date` and
// `Math.random` read the run's injected clock and randomness; there is no `require`, `process`,
// `fetch`, timers or I/O of any kind in QuickJS.
import type { CodeSandbox, JsonValue, SandboxResult, SandboxRun } from '@ferry/core';
import {
  getQuickJS,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSWASMModule,
} from 'quickjs-emscripten';

export interface SandboxLimits {
  /** Wall-clock time one code block may run (default 1,000 ms). */
  timeLimitMs?: number;
  /** Memory of one run's QuickJS runtime (default 32 MiB). */
  memoryLimitBytes?: number;
  /** Its stack (default 512 KiB). */
  stackSizeBytes?: number;
}

export const DEFAULT_LIMITS: Required<SandboxLimits> = {
  timeLimitMs: 1_000,
  memoryLimitBytes: 32 * 1024 * 1024,
  stackSizeBytes: 512 * 1024,
};

/** Loads QuickJS (once per process) and returns a sandbox with these limits. */
export async function createQuickJsSandbox(limits: SandboxLimits = {}): Promise<CodeSandbox> {
  return new QuickJsSandbox(await getQuickJS(), { ...DEFAULT_LIMITS, ...limits });
}

/**
 * Set up inside each context before any bot code: binds botContext to the host and swaps the
 * clock and randomness for the injected ones, then removes the host hooks from the global object.
 */
const PRELUDE = `(function (host, hostNow, hostRandom) {
  'use strict';
  var call = function (name, args) {
    var answer = host(name, JSON.stringify(args));
    return answer === '' ? undefined : JSON.parse(answer).v;
  };
  var botContext = new Proxy({}, {
    get: function (_target, name) {
      if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined;
      return function () { return call(name, Array.prototype.slice.call(arguments)); };
    }
  });
  globalThis.botContext = botContext;
  globalThis.botcontext = botContext;
  Math.random = function () { return hostRandom(); };
  var RealDate = Date;
  var FerryDate = function Date(y, m, d, h, mi, s, ms) {
    if (!(this instanceof FerryDate)) return new RealDate(hostNow()).toString();
    if (arguments.length === 0) return new RealDate(hostNow());
    if (arguments.length === 1) return new RealDate(y);
    return new RealDate(y, m, d === undefined ? 1 : d, h || 0, mi || 0, s || 0, ms || 0);
  };
  FerryDate.prototype = RealDate.prototype;
  FerryDate.now = function () { return hostNow(); };
  FerryDate.UTC = RealDate.UTC;
  FerryDate.parse = RealDate.parse;
  globalThis.Date = FerryDate;
})(__ferryHost, __ferryNow, __ferryRandom);
delete globalThis.__ferryHost;
delete globalThis.__ferryNow;
delete globalThis.__ferryRandom;
`;

class QuickJsSandbox implements CodeSandbox {
  constructor(
    private readonly module: QuickJSWASMModule,
    private readonly limits: Required<SandboxLimits>,
  ) {}

  run(run: SandboxRun): SandboxResult {
    const runtime = this.module.newRuntime();
    runtime.setMemoryLimit(this.limits.memoryLimitBytes);
    runtime.setMaxStackSize(this.limits.stackSizeBytes);
    const deadline = Date.now() + this.limits.timeLimitMs;
    let timedOut = false;
    runtime.setInterruptHandler(() => {
      if (Date.now() <= deadline) return false;
      timedOut = true;
      return true;
    });
    const vm = runtime.newContext();
    try {
      this.bindHost(vm, run);
      const steps: [string, string][] = [['the simulator prelude', PRELUDE]];
      if (run.globalFunctions !== null) steps.push(['global functions', run.globalFunctions]);
      // A function body, so that a top-level `return` works as it does in CB's code editors.
      steps.push([run.label, `(function () {\n${run.code}\n})();`]);
      for (const [label, code] of steps) {
        const result = vm.evalCode(code, label);
        if (result.error === undefined) {
          result.value.dispose();
          continue;
        }
        const message = describeError(vm.dump(result.error));
        result.error.dispose();
        if (timedOut)
          return {
            ok: false,
            kind: 'timeout',
            message: `stopped after ${this.limits.timeLimitMs} ms`,
          };
        if (/out of memory/i.test(message))
          return {
            ok: false,
            kind: 'memory',
            message: `over ${Math.round(this.limits.memoryLimitBytes / 1024 / 1024)} MiB`,
          };
        return {
          ok: false,
          kind: 'error',
          message: label === run.label ? message : `${label}: ${message}`,
        };
      }
      return { ok: true };
    } finally {
      vm.dispose();
      runtime.dispose();
    }
  }

  private bindHost(vm: QuickJSContext, run: SandboxRun) {
    const define = (
      name: string,
      fn: (...args: QuickJSHandle[]) => QuickJSHandle | { error: QuickJSHandle },
    ) => {
      const handle = vm.newFunction(name, fn);
      vm.setProp(vm.global, name, handle);
      handle.dispose();
    };
    define('__ferryHost', (methodHandle, argsHandle) => {
      const method = methodHandle === undefined ? '' : vm.getString(methodHandle);
      let args: JsonValue[] = [];
      try {
        const parsed: unknown = JSON.parse(
          argsHandle === undefined ? '[]' : vm.getString(argsHandle),
        );
        if (Array.isArray(parsed)) args = parsed as JsonValue[];
      } catch {
        return { error: vm.newError(`botContext.${method}: arguments that are not JSON`) };
      }
      const answer = run.call(method, args);
      if (!answer.ok)
        return { error: vm.newError(`botContext.${method} is not available in Ferry's simulator`) };
      return vm.newString(answer.value === undefined ? '' : JSON.stringify({ v: answer.value }));
    });
    define('__ferryNow', () => vm.newNumber(run.now()));
    define('__ferryRandom', () => vm.newNumber(run.random()));
  }
}

/** The message of a dumped QuickJS error (an object with name and message, or any value). */
function describeError(dumped: unknown): string {
  if (dumped !== null && typeof dumped === 'object') {
    const { name, message } = dumped as { name?: unknown; message?: unknown };
    if (typeof message === 'string')
      return typeof name === 'string' && name !== '' ? `${name}: ${message}` : message;
  }
  return String(dumped);
}
