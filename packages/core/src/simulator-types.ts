// The public shapes of the conversation simulator (src/simulator.ts): what a run is given (the
// environment, integration fixtures, the code sandbox, the clock and randomness) and what it
// returns (turns of structured bot messages, the path through dialogs and interactions, variables,
// and an outcome). The sandbox is an interface so that core stays pure: @ferry/sandbox implements
// it with QuickJS compiled to WebAssembly.
import type { JsonValue } from './json.js';

/** What an API integration answers in a test: an HTTP status (default 200) and a JSON body. */
export interface IntegrationFixture {
  status?: number;
  body?: JsonValue;
}

export interface SimulationFixtures {
  /** Answers by integration name (also looked up by response data variable name, then id). */
  integrations?: Readonly<Record<string, IntegrationFixture>>;
}

export interface SimulationOptions {
  /** The environment's variables (`{$env.X}`, `botContext.getEnvVariable('X')`). */
  env?: Readonly<Record<string, string>>;
  fixtures?: SimulationFixtures;
  /** Runs bot code. Without one, any interaction with code makes the run inconclusive. */
  sandbox?: CodeSandbox | null;
  /** The clock bot code sees: the sandbox answers its date and time reads from this. */
  now: () => Date;
  /** The randomness bot code sees: the sandbox's random numbers, in [0, 1), come from this. */
  random: () => number;
  /** Interactions one user message may pass through before the run counts as looping (50). */
  maxInteractionsPerTurn?: number;
  /** What `botContext.getChatBotId()` answers (default "simulated-bot"). */
  botId?: string;
}

/** A button of a message: a postback sends `value` as the user's message, a link opens `value`. */
export interface SimButton {
  label: string;
  kind: 'postback' | 'link';
  value: string;
}

export interface SimQuickReply {
  label: string;
  value: string;
}

/**
 * One message the bot sent. `text` is what a reader sees, joined by newlines: the message text,
 * a card's title and subtitle, a rich widget's text elements; buttons, quick replies and choices
 * are listed apart. `interaction` names the interaction that sent it (null for CB's own default
 * messages, such as the built-in fallback response).
 */
export interface SimMessage {
  kind:
    | 'text'
    | 'buttons'
    | 'quickReplies'
    | 'choices'
    | 'card'
    | 'rich'
    | 'noMatch'
    | 'escalation'
    | 'default';
  interaction: string | null;
  text: string;
  title?: string;
  subtitle?: string;
  image?: string;
  buttons: SimButton[];
  quickReplies: SimQuickReply[];
  choices: string[];
}

/** An interaction a turn passed through, with its dialog. */
export interface SimStep {
  dialogId: string;
  dialog: string;
  interactionId: string;
  interaction: string;
  /** CB's interaction type (DIALOG_STARTER, TEXT, TEXT_QUESTION, API_INTEGRATION, …). */
  type: string;
}

/** Why a run could not tell what the bot does, naming the construct (never counted as passed). */
export interface Inconclusive {
  /** Short machine-readable name of what is not simulated, e.g. `botContext.getLPEngagementAttribute`, `integration:PriceFeed`, `intent`. */
  construct: string;
  /** One sentence for people. */
  reason: string;
  /** Where it happened, when inside an interaction. */
  interaction?: string;
  dialog?: string;
}

export interface SimTurn {
  user: string;
  messages: SimMessage[];
  steps: SimStep[];
  /** The dialog and interaction the turn ended in (null when it passed through none). */
  dialog: string | null;
  interaction: string | null;
  /** Variables set during the turn (values as strings; objects as JSON text). */
  variablesSet: Record<string, string>;
  /** `botContext.printDebugMessage` output and the simulator's notes. */
  debug: string[];
  /** Errors thrown by bot code (CB logs them and goes on, and so does the simulator). */
  codeErrors: string[];
  outcome: 'continue' | 'escalated' | 'closed' | 'inconclusive';
  inconclusive?: Inconclusive;
  escalation?: { skill: string | null; agentId: string | null };
  closedBy?: 'close_dialog' | 'close_conversation';
}

export interface SimulationResult {
  /**
   * `completed`: every turn ran and the conversation is still open; `escalated` and `closed`: the
   * bot ended it (later turns were not run); `inconclusive`: the simulator cannot tell (see
   * `inconclusive`; later turns were not run).
   */
  outcome: 'completed' | 'escalated' | 'closed' | 'inconclusive';
  turns: SimTurn[];
  /** Every variable at the end (values as strings; objects as JSON text). */
  variables: Record<string, string>;
  inconclusive?: Inconclusive & { turn: number };
  /** Turns given but not run because the conversation had ended or was inconclusive. */
  notRun: string[];
}

/** What a `botContext` method call answered. */
export type BotContextAnswer =
  { ok: true; value: JsonValue | undefined } | { ok: false; unimplemented: string };

/** One run of bot code: the bot's global functions, then `code`, with `botContext` bound to `call`. */
export interface SandboxRun {
  /** E.g. `pre-process code of "welcome_text"`, for error messages. */
  label: string;
  /** The bot's global functions (`globalFunctions.methods`), evaluated first; null when none. */
  globalFunctions: string | null;
  code: string;
  /** Calls a `botContext` (also `botcontext`) method with JSON arguments. */
  call(method: string, args: JsonValue[]): BotContextAnswer;
  /** Epoch milliseconds bot code sees as the current time. */
  now(): number;
  random(): number;
}

export type SandboxResult =
  | { ok: true }
  /** `error`: the bot code threw; `timeout` / `memory`: it hit the sandbox's limits. */
  | { ok: false; kind: 'error' | 'timeout' | 'memory'; message: string };

/** Runs bot code in isolation. Synchronous: bot code is synchronous and fixtures answer at once. */
export interface CodeSandbox {
  run(run: SandboxRun): SandboxResult;
}
