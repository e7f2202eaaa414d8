// The CB conversation simulator: runs a conversation with a bot's content turn by turn, as
// Conversation Builder would, and says what the bot sent, where it went and what it set. Pure: the
// clock, randomness and the code sandbox come in through SimulationOptions; integrations answer
// from fixtures. Whatever it cannot simulate faithfully (NLU intents, an integration without a
// fixture, a botContext method the shim lacks, an unknown interaction type) stops the run as
// `inconclusive`, naming the construct, rather than guessing.
//
// CB's behaviour, from LivePerson's developer-center docs (pages/Documents/ConversationalAI/
// ConversationBuilder/…), cited where it matters:
// - Interactions/interaction-basics.md "Order of operations": statements run pre-process code,
//   prepare content, run post-process code, send, then the next action; questions do the same,
//   wait for the user, evaluate the rules, then run the process-user-response code; integrations
//   run pre-process code, call, run post-process code, then evaluate their rules.
// - Interactions/configuration-next-action.md: next actions (next, an interaction, end interaction
//   "none", close dialog, close conversation, a dialog); rule order (Response Intent rules first,
//   then the others as listed, No Match always last); a variable condition must hold *as well as*
//   the rule's condition; a No Match rule sends its message and prevents context switching.
// - Dialogs/dialog-basics.md "Context switching": a matched dialog is pushed on a stack; when it
//   completes, the user returns to the dialog beneath it "and the last interaction that was sent
//   by the bot before leaving the dialog is repeated"; `skipPreviousDialog` = "true" turns that off.
// - Dialogs/fallback-dialogs.md: without a match the Fallback dialog runs (or CB's built-in
//   response "Not able to understand your question. Can you please re-phrase it?"), and afterwards
//   the user is returned to their previous position.
// - Integrations/api-integrations.md and integration-basics.md: a status other than 200 or 201 is a
//   failure (default message "Sorry, I could not find anything for that." without a failure rule);
//   `api_<var>` holds `{ jsonData }`, `api_<var>Status` the status; custom data fields read
//   `{$.api_<var>.path}`, with `[i]` iterating a list, and are used as `{Integration.field}`.
// - ScriptingFunctions/*.md: the botContext methods the shim implements (see `callBotContext`).
import {
  compileRegex,
  containsKeyword,
  isProblem,
  matchesPattern,
  regexInputProblem,
} from './cb-patterns.js';
import { asArray, asObject, nonBlank } from './cb-shape.js';
import { chainOrder } from './chain.js';
import { entityId, type BotContent, type DialogContent } from './content.js';
import type { JsonObject, JsonValue } from './json.js';
import { fillText, renderInteraction, type FillSource } from './simulator-render.js';
import type {
  BotContextAnswer,
  Inconclusive,
  IntegrationFixture,
  SimMessage,
  SimStep,
  SimTurn,
  SimulationOptions,
  SimulationResult,
} from './simulator-types.js';

/** CB's built-in fallback response (Dialogs/fallback-dialogs.md). */
export const CB_DEFAULT_FALLBACK =
  'Not able to understand your question. Can you please re-phrase it?';
/** CB's default message for a failed API call without a failure rule (api-integrations.md). */
export const CB_DEFAULT_API_FAILURE = 'Sorry, I could not find anything for that.';

/** Interaction types that wait for the user's answer. */
const QUESTION_TYPES = new Set([
  'TEXT_QUESTION',
  'MULTIPLE_CHOICE_QUESTION',
  'QUICK_REPLY',
  'BUTTON',
  'BUTTON_QUESTION',
  'STRUCTURED_QUESTION',
]);
/** Interaction types that send content (statements, and questions when they wait). */
const CONTENT_TYPES = new Set([
  ...QUESTION_TYPES,
  'TEXT',
  'STRUCTURED',
  'UNIVERSAL',
  'IMAGE',
  'VIDEO',
  'AUDIO',
  'CAROUSEL',
]);
const INTEGRATION_TYPES = new Set(['API_INTEGRATION', 'INTEGRATION']);
const ESCALATION = /AGENT|ESCALAT|TRANSFER/i;

interface Located {
  dialog: DialogContent;
  interaction: JsonObject;
}

/** Stops the run: the simulator cannot tell what the bot would do. */
class Stop {
  constructor(readonly detail: Inconclusive) {}
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const nameOf = (i: JsonObject): string => nonBlank(i.name) ?? entityId(i) ?? '(unnamed)';
const dialogName = (d: DialogContent): string =>
  nonBlank(d.dialog.name) ?? entityId(d.dialog) ?? '';
const typeOf = (i: JsonObject): string =>
  nonBlank(i.interactionType) ?? nonBlank(asObject(asObject(i.content).results).type) ?? 'TEXT';

const toReported = (v: JsonValue): string =>
  typeof v === 'string' ? v : v === null ? 'null' : JSON.stringify(v);

/** The bot's dialogs, interactions and integrations, indexed for the run. */
class BotIndex {
  readonly byId = new Map<string, Located>();
  readonly byName = new Map<string, Located>();
  readonly dialogs = new Map<string, DialogContent>();
  readonly order = new Map<DialogContent, JsonObject[]>();
  readonly fallback: DialogContent | undefined;
  readonly integrations: JsonObject[];
  readonly globalFunctions: string | null;

  constructor(content: BotContent) {
    for (const d of content.dialogs) {
      const id = entityId(d.dialog);
      if (id !== null) this.dialogs.set(id, d);
      const byId = new Map(d.interactions.map((i) => [entityId(i) ?? '', i] as const));
      const chain: JsonObject[] = [];
      for (const id of chainOrder(d.interactions)) {
        const i = byId.get(id);
        if (i !== undefined) chain.push(i);
      }
      this.order.set(d, chain);
      for (const interaction of d.interactions) {
        const at = { dialog: d, interaction };
        const iid = entityId(interaction);
        if (iid !== null && !this.byId.has(iid)) this.byId.set(iid, at);
        const name = nonBlank(interaction.name);
        if (name !== undefined && !this.byName.has(name)) this.byName.set(name, at);
      }
    }
    this.fallback = content.dialogs.find(
      (d) => d.dialog.dialogType === 'FALLBACK_DIALOG' && enabled(d),
    );
    this.integrations = asArray(content.sections.responder).map(asObject);
    this.globalFunctions = nonBlank(asObject(content.sections.globalFunctions).methods) ?? null;
  }

  first(d: DialogContent): JsonObject | undefined {
    return this.order.get(d)?.[0];
  }

  /** The interaction after `i` along its dialog's chain (`nextMessageId`). */
  next(at: Located): Located | undefined {
    const nextId = nonBlank(at.interaction.nextMessageId);
    if (nextId !== undefined) return this.byId.get(nextId);
    return undefined;
  }
}

const enabled = (d: DialogContent) => d.dialog.status !== 'DISABLED';

/** The starter of a dialog: its Dialog Starter interaction, else its first interaction with patterns. */
function starterOf(index: BotIndex, d: DialogContent): JsonObject | undefined {
  const chain = index.order.get(d) ?? [];
  return (
    chain.find((i) => typeOf(i) === 'DIALOG_STARTER') ??
    chain.find((i) => Array.isArray(i.pattern) || nonBlank(i.intentId) !== undefined)
  );
}

/** Simulates a conversation: each of `turns` is one user message. Never throws for bad content. */
export function simulateConversation(
  content: BotContent,
  options: SimulationOptions,
  turns: readonly string[],
): SimulationResult {
  return new Run(content, options).simulate(turns);
}

class Run {
  private readonly index: BotIndex;
  private readonly vars = new Map<string, JsonValue>();
  private awaiting: Located | null = null;
  /** Questions left by context switching, to repeat when the dialog on top completes. */
  private readonly stack: Located[] = [];
  private userMessage = '';
  private turn!: SimTurn;
  private visits = 0;
  private trigger: string | null = null;
  private messageOverride: string | undefined;
  private ended: 'escalated' | 'closed' | null = null;

  constructor(
    content: BotContent,
    private readonly options: SimulationOptions,
  ) {
    this.index = new BotIndex(content);
  }

  simulate(turns: readonly string[]): SimulationResult {
    const done: SimTurn[] = [];
    let inconclusive: (Inconclusive & { turn: number }) | undefined;
    let i = 0;
    for (; i < turns.length && this.ended === null && inconclusive === undefined; i++) {
      const user = turns[i] ?? '';
      this.turn = {
        user,
        messages: [],
        steps: [],
        dialog: null,
        interaction: null,
        variablesSet: {},
        debug: [],
        codeErrors: [],
        outcome: 'continue',
      };
      try {
        if (i === 0) this.initConversation();
        this.receive(user);
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
        this.turn.outcome = 'inconclusive';
        this.turn.inconclusive = e.detail;
        inconclusive = { ...e.detail, turn: i };
      }
      const last = this.turn.steps[this.turn.steps.length - 1];
      if (last !== undefined) {
        this.turn.dialog = last.dialog;
        this.turn.interaction = last.interaction;
      }
      done.push(this.turn);
    }
    const variables: Record<string, string> = {};
    for (const [k, v] of this.vars) variables[k] = toReported(v);
    return {
      outcome: inconclusive !== undefined ? 'inconclusive' : (this.ended ?? 'completed'),
      turns: done,
      variables,
      ...(inconclusive !== undefined && { inconclusive }),
      notRun: turns.slice(i),
    };
  }

  // ---- one user message ------------------------------------------------------------------------

  private receive(message: string) {
    this.userMessage = message;
    this.visits = 0;
    const question = this.awaiting;
    this.awaiting = null;
    if (question !== null) {
      const handled = this.answer(question, message);
      if (handled) return this.finishTurn();
      // No rule matched and the question has no No Match rule: context switching.
      this.stack.push(question);
    }
    const started = this.startDialogFor(message);
    if (!started) {
      if (this.index.fallback !== undefined) this.runDialog(this.index.fallback);
      else this.send({ kind: 'default', text: CB_DEFAULT_FALLBACK });
    }
    this.finishTurn();
  }

  /** After the flow stops: return to a question left on the stack, as CB does. */
  private finishTurn() {
    while (this.ended === null && this.awaiting === null && this.stack.length > 0) {
      const back = this.stack.pop();
      if (back === undefined) break;
      if (str(this.vars.get('skipPreviousDialog')) === 'true') {
        this.stack.length = 0;
        break;
      }
      this.turn.debug.push(`Back to "${nameOf(back.interaction)}" (context switching).`);
      this.flow(back);
    }
  }

  /** Starts the dialog whose starter matches `message`; false when none does. */
  private startDialogFor(message: string): boolean {
    const intentStarters: string[] = [];
    for (const d of this.index.dialogs.values()) {
      if (!enabled(d) || d.dialog.dialogType === 'FALLBACK_DIALOG') continue;
      const starter = starterOf(this.index, d);
      if (starter === undefined) continue;
      const patterns = asArray(starter.pattern).filter((p): p is string => typeof p === 'string');
      const exclude = asArray(starter.excludeKeywords).filter(
        (k): k is string => typeof k === 'string',
      );
      if (this.anyPattern(patterns, message, exclude, `the starter of dialog "${dialogName(d)}"`)) {
        this.turn.debug.push(`Matched the starter of dialog "${dialogName(d)}".`);
        this.flow({ dialog: d, interaction: starter });
        return true;
      }
      if (nonBlank(starter.intentId) !== undefined) intentStarters.push(dialogName(d));
    }
    if (intentStarters.length > 0)
      throw new Stop({
        construct: 'intent',
        reason: `No pattern matched "${message}", and the starters of ${intentStarters.map((n) => `"${n}"`).join(', ')} use intents (NLU), which the simulator does not evaluate.`,
      });
    return false;
  }

  private anyPattern(
    patterns: readonly string[],
    message: string,
    exclude: readonly string[],
    where: string,
  ): boolean {
    if (exclude.some((k) => containsKeyword(message, k))) return false;
    for (const p of patterns) {
      const hit = matchesPattern(p, message);
      if (typeof hit !== 'boolean')
        throw new Stop({
          construct: regexInputProblem(message) ? 'regex-input' : 'pattern',
          reason: `${hit.problem} (in ${where})`,
        });
      if (hit) return true;
    }
    return false;
  }

  private runDialog(d: DialogContent) {
    const first = this.index.first(d);
    if (first === undefined) {
      this.turn.debug.push(`Dialog "${dialogName(d)}" has no interactions.`);
      return;
    }
    this.flow({ dialog: d, interaction: first });
  }

  // ---- the flow --------------------------------------------------------------------------------

  /** Runs interactions from `start` until one waits for the user or the flow stops. */
  private flow(start: Located | undefined) {
    let at = start;
    while (at !== undefined && this.ended === null) at = this.visit(at);
  }

  private step(at: Located) {
    const limit = this.options.maxInteractionsPerTurn ?? 50;
    if (++this.visits > limit)
      throw new Stop({
        construct: 'loop',
        reason: `One user message led through more than ${limit} interactions; the bot seems to loop.`,
        interaction: nameOf(at.interaction),
        dialog: dialogName(at.dialog),
      });
    const step: SimStep = {
      dialogId: entityId(at.dialog.dialog) ?? '',
      dialog: dialogName(at.dialog),
      interactionId: entityId(at.interaction) ?? '',
      interaction: nameOf(at.interaction),
      type: typeOf(at.interaction),
    };
    this.turn.steps.push(step);
  }

  /** Runs one interaction; returns the next one to run, or undefined when the flow stops here. */
  private visit(at: Located): Located | undefined {
    this.step(at);
    const i = at.interaction;
    const type = typeOf(i);
    this.trigger = null;
    this.messageOverride = undefined;
    if (type === 'DIALOG_STARTER') {
      this.code(at, 'preProcessMessage', 'pre-process code');
      return this.triggered(at) ?? this.nextAction(at, this.defaultRule(i));
    }
    if (INTEGRATION_TYPES.has(type) || str(asObject(i.content).contentType) === 'DYNAMIC')
      return this.integration(at);
    if (ESCALATION.test(type)) {
      this.code(at, 'preProcessMessage', 'pre-process code');
      return this.escalate(at, null);
    }
    if (!CONTENT_TYPES.has(type))
      throw new Stop({
        construct: `interaction:${type}`,
        reason: `Interactions of type ${type} are not simulated.`,
        interaction: nameOf(i),
        dialog: dialogName(at.dialog),
      });
    this.code(at, 'preProcessMessage', 'pre-process code');
    const rendered = renderInteraction(i, nameOf(i), this.fill(), this.messageOverride);
    this.code(at, 'postProcessMessage', 'post-process code');
    // System texts: BLANK_MESSAGE is never sent (liveperson-agent-escalation-integrations.md:
    // it "satisfies the underlying, system requirement for a message, but it doesn't actually
    // send one"); LP_CLOSEDIALOG / LP_CLOSECONVERSATION close the dialog or the conversation and
    // are not shown to the consumer (Dialogs/dialog-basics.md, "Close the dialog").
    let close: 'close_dialog' | 'close_conversation' | null = null;
    const messages = rendered.filter((m) => {
      const text = m.text.trim();
      if (text === 'LP_CLOSEDIALOG') close = 'close_dialog';
      else if (text === 'LP_CLOSECONVERSATION') close = 'close_conversation';
      else return text !== 'BLANK_MESSAGE' || m.buttons.length + m.quickReplies.length > 0;
      return false;
    });
    this.sendAll(messages);
    if (close !== null) {
      this.ended = 'closed';
      this.turn.outcome = 'closed';
      this.turn.closedBy = close;
      return undefined;
    }
    if (this.isQuestion(i)) {
      const jump = this.triggered(at);
      if (jump !== undefined) return jump;
      this.awaiting = at;
      return undefined;
    }
    return this.triggered(at) ?? this.nextAction(at, this.defaultRule(i));
  }

  private isQuestion(i: JsonObject): boolean {
    if (QUESTION_TYPES.has(typeOf(i)) || i.userInputRequired === true) return true;
    return this.rules(i).some((r) =>
      asArray(r.conditions).some((c) => {
        const t = str(asObject(c).matchType);
        return t !== '' && t !== 'API_RESULT';
      }),
    );
  }

  private rules(i: JsonObject): JsonObject[] {
    return asArray(i.responseMatches).map(asObject);
  }

  /** The rule a statement follows: its first (statements have one, without conditions). */
  private defaultRule(i: JsonObject): JsonObject | undefined {
    return this.rules(i)[0];
  }

  /** The interaction `setTriggerNextMessage` named in the code just run, if any. */
  private triggered(at: Located): Located | undefined {
    if (this.trigger === null) return undefined;
    const name = this.trigger;
    this.trigger = null;
    const target = this.index.byName.get(name);
    if (target === undefined)
      throw new Stop({
        construct: 'setTriggerNextMessage',
        reason: `botContext.setTriggerNextMessage("${name}") names no interaction of the bot.`,
        interaction: nameOf(at.interaction),
        dialog: dialogName(at.dialog),
      });
    return target;
  }

  /** Where a rule's action leads (`next`, an interaction id, a dialog, none, close). */
  private nextAction(at: Located, rule: JsonObject | undefined): Located | undefined {
    if (rule === undefined) return this.index.next(at);
    const action = asObject(rule.action);
    const kind = str(action.name) || 'INTERACTION';
    const value = str(action.value);
    if (kind === 'DIALOG') {
      const d = this.index.dialogs.get(value);
      if (d === undefined) throw this.missing(at, `dialog "${value}"`);
      const first = this.index.first(d);
      return first === undefined ? undefined : { dialog: d, interaction: first };
    }
    if (kind !== 'INTERACTION')
      throw new Stop({
        construct: `action:${kind}`,
        reason: `The next action ${kind} is not simulated.`,
        interaction: nameOf(at.interaction),
        dialog: dialogName(at.dialog),
      });
    switch (value) {
      case '':
      case 'next':
        return this.index.next(at);
      case 'none':
        return undefined; // "End Interaction": the flow stops within the dialog.
      case 'close_dialog':
      case 'close_conversation':
        this.ended = 'closed';
        this.turn.outcome = 'closed';
        this.turn.closedBy = value;
        return undefined;
      default: {
        const target = this.index.byId.get(value);
        if (target === undefined) throw this.missing(at, `interaction "${value}"`);
        return target;
      }
    }
  }

  private missing(at: Located, what: string): Stop {
    return new Stop({
      construct: 'link',
      reason: `"${nameOf(at.interaction)}" leads to ${what}, which the bot does not have.`,
      interaction: nameOf(at.interaction),
      dialog: dialogName(at.dialog),
    });
  }

  // ---- questions -------------------------------------------------------------------------------

  /** Applies the question's rules to the user's answer; false when none matched (context switch). */
  private answer(question: Located, message: string): boolean {
    const i = question.interaction;
    const rules = this.rules(i);
    const matchTypes = (r: JsonObject) =>
      asArray(r.conditions).map((c) => str(asObject(c).matchType));
    const isNoMatch = (r: JsonObject) => matchTypes(r).includes('NO_MATCH');
    const isIntent = (r: JsonObject) => matchTypes(r).some((t) => /INTENT/.test(t));
    // Response Intent rules first, then the others as listed, No Match last.
    const ordered = [
      ...rules.filter(isIntent),
      ...rules.filter((r) => !isIntent(r) && !isNoMatch(r)),
    ];
    for (const rule of ordered) {
      if (!this.ruleMatches(question, rule, message)) continue;
      return this.follow(question, rule);
    }
    const noMatch = rules.find(isNoMatch);
    if (noMatch !== undefined && this.contextHolds(question, noMatch)) {
      const condition = asObject(
        asArray(noMatch.conditions).find((c) => str(asObject(c).matchType) === 'NO_MATCH'),
      );
      const text = nonBlank(asObject(condition.noMatch).fallbackMessage);
      if (text !== undefined) this.send({ kind: 'noMatch', text: fillText(text, this.fill()) }, i);
      return this.follow(question, noMatch);
    }
    return false;
  }

  /** Runs the matched rule: its variables, the process-user-response code, then its next action. */
  private follow(question: Located, rule: JsonObject): true {
    this.turn.steps.push({
      dialogId: entityId(question.dialog.dialog) ?? '',
      dialog: dialogName(question.dialog),
      interactionId: entityId(question.interaction) ?? '',
      interaction: nameOf(question.interaction),
      type: typeOf(question.interaction),
    });
    for (const raw of asArray(rule.contextDataVariables)) {
      const v = asObject(raw);
      const name = nonBlank(v.name) ?? nonBlank(v.key);
      if (name !== undefined) this.setVar(name, fillText(str(v.value), this.fill()));
    }
    this.trigger = null;
    this.code(question, 'processUserResponse', 'process-user-response code');
    const next = this.triggered(question) ?? this.nextAction(question, rule);
    this.flow(next);
    return true;
  }

  private ruleMatches(at: Located, rule: JsonObject, message: string): boolean {
    const conditions = asArray(rule.conditions).map(asObject);
    const conditionHolds =
      conditions.length === 0 || conditions.some((c) => this.conditionHolds(at, c, message));
    return conditionHolds && this.contextHolds(at, rule);
  }

  private conditionHolds(at: Located, c: JsonObject, message: string): boolean {
    const type = str(c.matchType);
    const where = `a rule of "${nameOf(at.interaction)}"`;
    switch (type) {
      case 'PATTERN': {
        const m = asObject(c.patternMatch);
        const patterns = asArray(m.patterns).filter((p): p is string => typeof p === 'string');
        const exclude = asArray(m.excludeKeywords).filter(
          (k): k is string => typeof k === 'string',
        );
        return this.anyPattern(patterns, message, exclude, where);
      }
      case 'REGEX': {
        const source = str(asObject(c.regexMatch).regex);
        const re = compileRegex(source);
        if (isProblem(re)) throw this.stopAt(at, 'regex', `${re.problem} (in ${where})`);
        const tooLong = regexInputProblem(message.trim());
        if (tooLong) throw this.stopAt(at, 'regex-input', `${tooLong.problem} (in ${where})`);
        return re.test(message.trim());
      }
      case 'EVAL_OPTION':
        return this.optionMatches(at, str(asObject(c.evaluateOptionMatch).value), message);
      case 'EXACT_VALUE':
      case 'EXACT_MATCH': {
        const holder = Object.values(c).find((v) => asObject(v).value !== undefined);
        const value = str(asObject(holder).value);
        return value.trim().toLowerCase() === message.trim().toLowerCase();
      }
      case 'NO_MATCH':
        return false; // evaluated last, apart
      case 'API_RESULT':
        return false; // only integrations have a result
      default:
        throw this.stopAt(
          at,
          /INTENT/.test(type) ? 'intent' : `condition:${type}`,
          /INTENT/.test(type)
            ? `A rule of "${nameOf(at.interaction)}" matches by intent (NLU), which the simulator does not evaluate.`
            : `The rule condition ${type || '(without a type)'} is not simulated.`,
        );
    }
  }

  /**
   * Multiple-choice options: the choice itself, or its number or letter as the interaction numbers
   * them (configuration-next-action.md, "Evaluate Options").
   */
  private optionMatches(at: Located, option: string, message: string): boolean {
    const said = message.trim().toLowerCase().replace(/[).]$/, '');
    if (said === option.trim().toLowerCase()) return true;
    const tiles = asArray(
      asObject(asObject(asObject(at.interaction.content).results).tile).tileData,
    );
    for (const t of tiles) {
      const mc = asObject(asObject(t).multipleChoice);
      const choices = asArray(mc.multipleChoices).map((c) => str(c).trim().toLowerCase());
      const n = choices.indexOf(option.trim().toLowerCase());
      if (n < 0) continue;
      // `textStyle` says how text-only channels label the choices (NUMBERS or LETTERS).
      const style = str(mc.textStyle).toUpperCase();
      if (style !== 'LETTERS' && said === String(n + 1)) return true;
      if (style !== 'NUMBERS' && said === String.fromCharCode(97 + n)) return true;
    }
    return false;
  }

  /** The rule's variable conditions (`contextConditions`), combined by `contextMatchConditionType`. */
  private contextHolds(at: Located, rule: JsonObject): boolean {
    const conditions = asArray(rule.contextConditions).map(asObject);
    if (conditions.length === 0) return true;
    const results = conditions.map((c) => this.contextConditionHolds(at, c));
    return str(rule.contextMatchConditionType) === 'ALL'
      ? results.every(Boolean)
      : results.some(Boolean);
  }

  /**
   * One variable condition. CB's editor asks for a variable (a botContext variable by its bare name,
   * or `{$botContext.x}`, `{$env.x}`, `{$userMessage}`), an operator and a value. The keys below are
   * read tolerantly because exports name them in several ways; an operator the simulator does not
   * know makes the run inconclusive.
   */
  private contextConditionHolds(at: Located, c: JsonObject): boolean {
    const rawName =
      nonBlank(c.contextDataVariableName) ??
      nonBlank(c.variableName) ??
      nonBlank(c.variable) ??
      nonBlank(c.name) ??
      nonBlank(c.key) ??
      '';
    const op = (
      nonBlank(c.conditionType) ??
      nonBlank(c.operator) ??
      nonBlank(c.matchType) ??
      'EQUALS'
    ).toUpperCase();
    const expected = fillText(
      str(c.value) || str(c.conditionValue) || str(c.contextDataVariableValue),
      this.fill(),
    );
    const actual = this.contextValue(rawName);
    const a = actual.toLowerCase();
    const e = expected.toLowerCase();
    switch (op) {
      case 'EQUALS':
      case 'EQUAL':
      case 'IS':
        return a === e;
      case 'NOT_EQUALS':
      case 'NOT_EQUAL':
      case 'IS_NOT':
        return a !== e;
      case 'CONTAINS':
        return a.includes(e);
      case 'NOT_CONTAINS':
      case 'DOES_NOT_CONTAIN':
        return !a.includes(e);
      case 'STARTS_WITH':
        return a.startsWith(e);
      case 'ENDS_WITH':
        return a.endsWith(e);
      case 'GREATER_THAN':
        return Number(actual) > Number(expected);
      case 'LESS_THAN':
        return Number(actual) < Number(expected);
      case 'IS_EMPTY':
      case 'IS_NULL':
      case 'NOT_SET':
        return actual === '';
      case 'IS_NOT_EMPTY':
      case 'IS_NOT_NULL':
      case 'IS_SET':
        return actual !== '';
      case 'REGEX': {
        const re = compileRegex(expected);
        if (isProblem(re)) throw this.stopAt(at, 'regex', re.problem);
        const tooLong = regexInputProblem(actual);
        if (tooLong) throw this.stopAt(at, 'regex-input', tooLong.problem);
        return re.test(actual);
      }
      default:
        throw this.stopAt(
          at,
          `contextCondition:${op}`,
          `The variable condition operator ${op} is not simulated.`,
        );
    }
  }

  private contextValue(rawName: string): string {
    const name = rawName.replace(/^\{(.*)\}$/, '$1');
    if (name === '$userMessage' || name === 'userMessage') return this.userMessage;
    if (name.startsWith('$env.')) return this.options.env?.[name.slice(5)] ?? '';
    const v = this.vars.get(name.replace(/^\$botContext\./, ''));
    return v === undefined || v === null ? '' : toReported(v);
  }

  private stopAt(at: Located, construct: string, reason: string): Stop {
    return new Stop({
      construct,
      reason,
      interaction: nameOf(at.interaction),
      dialog: dialogName(at.dialog),
    });
  }

  // ---- integrations and escalation -------------------------------------------------------------

  private integration(at: Located): Located | undefined {
    const i = at.interaction;
    const content = asObject(i.content);
    const id = nonBlank(content.responderId);
    const name = nonBlank(content.responderName);
    const integ =
      (id !== undefined && this.index.integrations.find((r) => r.id === id)) ||
      (name !== undefined && this.index.integrations.find((r) => r.name === name)) ||
      undefined;
    if (integ === undefined)
      throw this.stopAt(
        at,
        `integration:${name ?? id ?? '?'}`,
        `"${nameOf(i)}" calls the integration ${name ?? id ?? '(unnamed)'}, which the bot does not have.`,
      );
    const integName = nonBlank(integ.name) ?? entityId(integ) ?? '';
    const integType = str(integ.integrationType) || 'API';
    this.code(at, 'preProcessMessage', 'pre-process code');
    if (ESCALATION.test(integType)) return this.escalate(at, integ);
    const rdv = nonBlank(integ.responseDataVariable) ?? integName;
    const integrations = this.options.fixtures?.integrations ?? {};
    const own = (key: string | null): IntegrationFixture | undefined =>
      key !== null && Object.prototype.hasOwnProperty.call(integrations, key)
        ? integrations[key]
        : undefined;
    const fixture = own(integName) ?? own(rdv) ?? own(entityId(integ));
    if (fixture === undefined)
      throw this.stopAt(
        at,
        `integration:${integName}`,
        `The integration "${integName}" (${integType}) was called without a fixture: give the test an answer for it.`,
      );
    const status = fixture.status ?? 200;
    const body = fixture.body ?? null;
    const apiVar = `api_${rdv}`;
    this.setVar(apiVar, { jsonData: JSON.stringify({ [apiVar]: body }) });
    this.setVar(`${apiVar}Status`, status);
    this.turn.debug.push(`Integration "${integName}" answered ${status} (fixture).`);
    const transform = nonBlank(integ.transformResultsScript);
    if (transform !== undefined)
      this.runCode(at, transform, `transform script of integration "${integName}"`);
    // Custom data fields read the (possibly transformed) response.
    let data: JsonValue = body;
    const stored = asObject(this.vars.get(apiVar));
    if (typeof stored.jsonData === 'string') {
      try {
        data = asObject(JSON.parse(stored.jsonData))[apiVar] ?? null;
      } catch {
        this.turn.codeErrors.push(`${apiVar}.jsonData is not JSON after the transform script.`);
      }
    }
    for (const raw of asArray(integ.customDataFields)) {
      const f = asObject(raw);
      const key = nonBlank(f.key);
      if (key === undefined) continue;
      this.setVar(`${integName}.${key}`, readApiPath(str(f.value), apiVar, data));
    }
    this.code(at, 'postProcessMessage', 'post-process code');
    const jump = this.triggered(at);
    if (jump !== undefined) return jump;
    const success = status === 200 || status === 201;
    for (const rule of this.rules(i)) {
      const conditions = asArray(rule.conditions).map(asObject);
      const holds =
        conditions.length === 0 ||
        conditions.some((c) => {
          if (str(c.matchType) !== 'API_RESULT') return false;
          const want = str(asObject(c.apiResultMatch).value).toLowerCase();
          return want === (success ? 'success' : 'failure');
        });
      if (holds && this.contextHolds(at, rule)) return this.nextAction(at, rule);
    }
    if (!success) {
      this.send({ kind: 'default', text: CB_DEFAULT_API_FAILURE }, i);
      return undefined;
    }
    return this.index.next(at);
  }

  /**
   * An escalation (an Agent Transfer interaction, or an integration of a LivePerson Agent
   * Escalation kind): its "Message to User" counts as sent (unless BLANK_MESSAGE, which CB never
   * sends), and the conversation leaves the bot
   * (Integrations/liveperson-agent-escalation-integrations.md).
   */
  private escalate(at: Located, integ: JsonObject | null): undefined {
    const i = at.interaction;
    const sources = [integ ?? {}, asObject(i.content), i];
    const pick = (...keys: string[]) => {
      for (const s of sources)
        for (const k of keys) {
          const v = s[k];
          if (typeof v === 'string' && v.trim() !== '') return v;
          if (typeof v === 'number') return String(v);
        }
      return null;
    };
    const message = pick('messageToUser', 'transferMessage', 'message', 'escalationMessage');
    if (message !== null && message !== 'BLANK_MESSAGE')
      this.send({ kind: 'escalation', text: fillText(message, this.fill()) }, i);
    else if (message === null) {
      const rendered = renderInteraction(i, nameOf(i), this.fill());
      for (const m of rendered) this.turn.messages.push({ ...m, kind: 'escalation' });
    }
    const skill = pick('agentSkillId', 'skillId', 'agentSkillName', 'skillName');
    this.turn.escalation = {
      skill: skill === null ? null : fillText(skill, this.fill()),
      agentId: pick('agentId'),
    };
    this.ended = 'escalated';
    this.turn.outcome = 'escalated';
    return undefined;
  }

  // ---- bot code --------------------------------------------------------------------------------

  private initConversation() {
    const g = this.index.globalFunctions;
    if (g === null || !/\b__initConversation\b/.test(g)) return;
    this.runCode(
      null,
      "if (typeof __initConversation === 'function') __initConversation();",
      'global function __initConversation',
    );
  }

  private code(at: Located, field: string, label: string) {
    const source = nonBlank(at.interaction[field]);
    if (source === undefined) return;
    this.runCode(at, source, `${label} of "${nameOf(at.interaction)}"`);
  }

  private runCode(at: Located | null, code: string, label: string) {
    const where =
      at === null ? {} : { interaction: nameOf(at.interaction), dialog: dialogName(at.dialog) };
    const sandbox = this.options.sandbox;
    if (sandbox === undefined || sandbox === null)
      throw new Stop({
        construct: 'code',
        reason: `The ${label} needs a code sandbox, and none was given.`,
        ...where,
      });
    let unimplemented: string | null = null;
    const result = sandbox.run({
      label,
      globalFunctions: this.index.globalFunctions,
      code,
      call: (method, args) => {
        const answer = this.callBotContext(method, args);
        if (!answer.ok && unimplemented === null) unimplemented = answer.unimplemented;
        return answer;
      },
      now: () => this.options.now().getTime(),
      random: () => this.options.random(),
    });
    if (unimplemented !== null)
      throw new Stop({
        construct: `botContext.${unimplemented}`,
        reason: `The ${label} calls botContext.${unimplemented}, which the simulator does not implement.`,
        ...where,
      });
    if (!result.ok) {
      if (result.kind === 'error') this.turn.codeErrors.push(`${label}: ${result.message}`);
      else
        throw new Stop({
          construct: `sandbox:${result.kind}`,
          reason: `The ${label} ${result.kind === 'timeout' ? 'ran past the time limit' : 'went over the memory limit'}: ${result.message}`,
          ...where,
        });
    }
  }

  /**
   * The botContext shim: the documented methods bots use (ScriptingFunctions/get-set-session-data.md,
   * manage-conversation-flow.md, send-messages.md, log-debug.md). Anything else is `unimplemented`.
   */
  private callBotContext(method: string, args: JsonValue[]): BotContextAnswer {
    const arg = (n: number) => args[n];
    const text = (n: number) => {
      const v = arg(n);
      return v === undefined || v === null ? '' : typeof v === 'string' ? v : toReported(v);
    };
    const done = (value?: JsonValue): BotContextAnswer => ({ ok: true, value });
    switch (method) {
      case 'getBotVariable': {
        const v = this.vars.get(text(0));
        return done(v === undefined ? null : v);
      }
      case 'setBotVariable': {
        const v = arg(1);
        // "botVariables are strings. Whatever the data type of your input, it will be converted to
        // a string" (get-set-session-data.md); objects are kept as such so that the documented
        // transform-script pattern (reading `.jsonData` back) works.
        this.setVar(
          text(0),
          v === undefined || v === null ? null : typeof v === 'object' ? v : String(v),
        );
        return done();
      }
      case 'removeBotVariable':
        this.vars.delete(text(0));
        return done();
      case 'getEnvVariable':
        return done(this.options.env?.[text(0)] ?? null);
      case 'getCurrentUserMessage':
      case 'getButtonPayload':
        return done(this.userMessage);
      case 'setTriggerNextMessage':
        this.trigger = text(0);
        return done();
      case 'setMessage':
        this.messageOverride = text(0);
        return done();
      case 'sendMessage':
        this.send({ kind: 'text', text: fillText(text(0), this.fill()) }, null);
        return done();
      case 'sendMessages':
        for (const m of asArray(arg(0)))
          this.send(
            {
              kind: 'text',
              text: fillText(typeof m === 'string' ? m : toReported(m), this.fill()),
            },
            null,
          );
        return done();
      case 'printDebugMessage':
        this.turn.debug.push(text(0));
        return done();
      case 'setMessageDelay':
      case 'setAllowMaxTextResponse':
        return done();
      case 'getChatBotId':
        return done(this.options.botId ?? 'simulated-bot');
      case 'getConversationId':
        return done('simulated-conversation');
      default:
        return { ok: false, unimplemented: method };
    }
  }

  // ---- state -----------------------------------------------------------------------------------

  private setVar(name: string, value: JsonValue) {
    this.vars.set(name, value);
    this.turn.variablesSet[name] = toReported(value);
  }

  private fill(): FillSource {
    return {
      variable: (name) => this.vars.get(name),
      env: (name) => this.options.env?.[name],
      userMessage: this.userMessage,
      note: (message) => {
        if (!this.turn.debug.includes(message)) this.turn.debug.push(message);
      },
    };
  }

  private send(m: { kind: SimMessage['kind']; text: string }, from?: JsonObject | null) {
    this.turn.messages.push({
      kind: m.kind,
      interaction: from === undefined || from === null ? null : nameOf(from),
      text: m.text,
      buttons: [],
      quickReplies: [],
      choices: [],
    });
  }

  private sendAll(messages: SimMessage[]) {
    this.turn.messages.push(...messages);
  }
}

/**
 * A custom data field's value: `{$.api_X.a.b[0].c}`, where `[i]` iterates a list (the result is
 * then a list, one entry per item). Values are strings (objects as JSON); missing ones are "".
 */
export function readApiPath(expression: string, apiVar: string, data: JsonValue): JsonValue {
  const m = /^\{?\$\.(.*?)\}?$/.exec(expression.trim());
  if (m === null) return expression;
  const segments = (m[1] ?? '').match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
  if (segments[0] === apiVar) segments.shift();
  const walk = (value: JsonValue | undefined, rest: string[]): JsonValue => {
    if (rest.length === 0)
      return value === undefined || value === null
        ? ''
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    const [head, ...tail] = rest as [string, ...string[]];
    if (head === '[i]' || head === '[*]') return asArray(value).map((item) => walk(item, tail));
    const key = head.startsWith('[') ? head.slice(1, -1).replace(/^['"]|['"]$/g, '') : head;
    if (Array.isArray(value)) return walk(value[Number(key)], tail);
    return walk(asObject(value)[key], tail);
  };
  return walk(data, segments);
}

/** The dialogs and interactions a set of simulated conversations reached, by name. */
export interface SimulationCoverage {
  dialogs: { total: number; reached: string[]; missed: string[] };
  /** Interactions as `Dialog / Interaction`. */
  interactions: { total: number; reached: string[]; missed: string[] };
}

/**
 * Coverage of a bot by simulated conversations: every dialog and interaction of `content`, split
 * into those some turn's steps passed through and those none did (in the bot's order).
 */
export function simulationCoverage(
  content: BotContent,
  runs: readonly Pick<SimulationResult, 'turns'>[],
): SimulationCoverage {
  const dialogsHit = new Set<string>();
  const interactionsHit = new Set<string>();
  for (const run of runs)
    for (const turn of run.turns)
      for (const step of turn.steps) {
        dialogsHit.add(step.dialogId);
        interactionsHit.add(`${step.dialogId}\u0000${step.interactionId}`);
      }
  const dialogs: SimulationCoverage['dialogs'] = { total: 0, reached: [], missed: [] };
  const interactions: SimulationCoverage['interactions'] = { total: 0, reached: [], missed: [] };
  for (const d of content.dialogs) {
    const id = entityId(d.dialog) ?? '';
    dialogs.total++;
    (dialogsHit.has(id) ? dialogs.reached : dialogs.missed).push(dialogName(d));
    for (const i of d.interactions) {
      interactions.total++;
      const key = `${id}\u0000${entityId(i) ?? ''}`;
      (interactionsHit.has(key) ? interactions.reached : interactions.missed).push(
        `${dialogName(d)} / ${nameOf(i)}`,
      );
    }
  }
  return { dialogs, interactions };
}
