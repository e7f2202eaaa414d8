// A vitest reporter (added to every package by vitest.shared.ts): at the end of a run it names the
// tests that took more than half their timeout, and the one that came closest, so a suite drifting
// towards its timeouts shows in CI's log before it turns into a flaky failure. It reports; it never
// fails a run (timings depend on the machine, and tests assert no timings).
import type { Reporter, TestCase, TestModule } from 'vitest/node';

const HALF = 0.5;

export default class TimeoutMargin implements Reporter {
  private readonly over: { name: string; ms: number; timeout: number }[] = [];
  private closest: { name: string; share: number } | undefined;

  onTestCaseResult(test: TestCase): void {
    const ms = test.diagnostic()?.duration;
    const timeout = test.options.timeout;
    if (ms === undefined || timeout === undefined || timeout <= 0) return;
    const share = ms / timeout;
    const name = `${test.module.moduleId.replace(/^.*\/(packages|apps)\//, '$1/')} > ${test.fullName}`;
    if (!this.closest || share > this.closest.share) this.closest = { name, share };
    if (share > HALF) this.over.push({ name, ms, timeout });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    if (!this.closest) return;
    const pct = (share: number) => `${Math.round(share * 100)} %`;
    const lines = [
      `Timeout margin: the slowest test used ${pct(this.closest.share)} of its timeout (${this.closest.name}).`,
    ];
    if (this.over.length > 0) {
      lines.push(`${this.over.length} took more than half their timeout:`);
      for (const t of this.over)
        lines.push(`  ${t.name}: ${(t.ms / 1000).toFixed(1)} s of ${t.timeout / 1000} s`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
