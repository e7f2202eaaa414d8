// @ferry/core/testing: deterministic synthetic CB bot exports (seeded) for tests and benchmarks,
// with realistic fields, links, code blocks, integrations and environment-variable references.
import type { JsonObject } from './json.js';
import { must } from './must.js';

export interface GenerateOptions {
  seed: number;
  dialogs: number;
  interactionsPerDialog: number;
  /** Number of API integrations (default 3). */
  integrations?: number;
  /** Names used in `{$env.NAME}` and getEnvVariable('NAME') (default: API_BASE_URL, SKILL_ID, BRAND). */
  envNames?: string[];
  botId?: string;
  name?: string;
  /**
   * How often (0 to 1, default 0) a dialog's last interaction jumps to an earlier dialog's first
   * interaction instead of closing the dialog: links between dialogs, as real bots have.
   */
  dialogLinks?: number;
}

/** Mulberry32: a tiny, fast, seeded PRNG; good enough for test data (the same seed, the same numbers). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'account balance card order refund delivery store hours agent billing payment plan upgrade address password reset help question menu welcome thanks'.split(
    ' ',
  );

/** A CB export document (with identity fields) of `dialogs` x `interactionsPerDialog` interactions. */
export function generateBotExport(options: GenerateOptions): JsonObject {
  const rand = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T =>
    must(xs[Math.floor(rand() * xs.length)], 'xs[Math.floor(rand() * xs.length)]');
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const envNames = options.envNames ?? ['API_BASE_URL', 'SKILL_ID', 'BRAND'];
  const botId = options.botId ?? uuid();

  const responder = Array.from({ length: options.integrations ?? 3 }, (_, i) => ({
    chatbotId: botId,
    id: uuid(),
    name: `Integration${i + 1}`,
    webhook: `{$env.${envNames[0] ?? 'API_BASE_URL'}}/v1/${words(1)}`,
    method: 'POST',
    headers: [{ key: 'Content-Type', value: 'application/json' }],
    postBody: `{"query": "{$botContext.${words(1)}}"}`,
    transformResultsScript: `var data = botContext.getBotVariable("api_Integration${i + 1}");\nbotContext.setBotVariable("result", data, true, false);`,
    responseDataVariable: `Integration${i + 1}`,
    integrationType: 'API',
  }));

  const groups: JsonObject[] = [];
  const messages: JsonObject[] = [];
  const starters: string[] = [];
  for (let d = 0; d < options.dialogs; d++) {
    const groupId = uuid();
    groups.push({
      chatBotId: botId,
      id: groupId,
      name: `${String(d).padStart(3, '0')} - ${words(2)}`,
      creationTime: '2024-01-01 10:00:00',
      modificationTime: '2024-01-01 10:00:00',
      dialogType: 'DIALOG',
      status: 'ENABLED',
      disambiguteOnlySelectedDomains: false,
    });
    const ids = Array.from({ length: options.interactionsPerDialog }, () => hex(40));
    // Drawn only when asked for, so that bots without links stay what they were.
    const linked = (options.dialogLinks ?? 0) > 0 && d > 0 && rand() < (options.dialogLinks ?? 0);
    const jump = linked ? starters[Math.floor(rand() * d)] : undefined;
    if (ids[0] !== undefined) starters.push(ids[0]);
    for (let i = 0; i < ids.length; i++) {
      const kind =
        i === 0
          ? 'DIALOG_STARTER'
          : pick(['TEXT', 'TEXT', 'BUTTON', 'TEXT_QUESTION', 'API_INTEGRATION']);
      const env = pick(envNames);
      const text = `${words(6)} {$env.${env}} ${words(4)}`;
      const message: JsonObject = {
        id: must(ids[i], 'ids[i]'),
        chatBotId: botId,
        userInputRequired: kind === 'TEXT_QUESTION',
        name: `${kind.toLowerCase()}_${d}_${i}`,
        type: 'BOT_MESSAGE',
        content:
          kind === 'API_INTEGRATION'
            ? {
                contentType: 'DYNAMIC',
                responderName: responder[0]?.name ?? 'none',
                responderId: responder[0]?.id ?? uuid(),
              }
            : {
                contentType: 'STATIC',
                results: {
                  type: kind,
                  tile: {
                    tileData: [
                      {
                        text,
                        buttons:
                          kind === 'BUTTON'
                            ? [{ name: words(2), type: 'postback', callback: words(1) }]
                            : [],
                        quickReplyList: [],
                      },
                    ],
                  },
                },
              },
        group: groupId,
        status: 'ACTIVE',
        required: true,
        ...(i + 1 < ids.length && { nextMessageId: must(ids[i + 1], 'ids[i + 1]') }),
        ...(i > 0 && { prevMessageId: must(ids[i - 1], 'ids[i - 1]') }),
        responseMatches: [
          {
            name: 'RULE_1',
            conditions:
              kind === 'DIALOG_STARTER'
                ? []
                : [
                    {
                      matchType: 'PATTERN',
                      patternMatch: { patterns: [words(1)], excludeKeywords: [] },
                    },
                  ],
            contextConditions: [],
            action: {
              name: 'INTERACTION',
              value: i + 1 < ids.length ? 'next' : (jump ?? 'close_dialog'),
            },
            contextDataVariables: [],
          },
        ],
        interactionType: kind,
        ...(rand() < 0.3 && {
          preProcessMessage: `var skill = botContext.getEnvVariable('${pick(envNames)}');\nbotContext.setBotVariable('skill', skill, true, false);`,
        }),
      };
      if (kind === 'DIALOG_STARTER') message.pattern = [words(1), `(${words(1)}|${words(1)}) *`];
      messages.push(message);
    }
  }
  return {
    hash: String(Math.floor(rand() * 2 ** 31)),
    bot: {
      id: botId,
      name: options.name ?? `Synthetic bot ${options.seed}`,
      chatBotType: 'CUSTOMER_FACING_BOT',
      status: 'NEW',
      getStartedButtonPayload: 'hi',
      creationTime: 1700000000000,
      modificationTime: 1700000000000,
      demo: false,
      skipNLP: false,
      language: 'en-US',
      botAttributes: { ENABLE_DEBUG: 'true' },
      sessionLength: 0,
      passThroughMode: false,
      transcriptDisabled: false,
      version: '1',
      publicBot: false,
      readOnly: false,
    },
    responder,
    requiredContext: [],
    conversationMessage: messages,
    menus: [],
    groups,
    globalFunctions: {
      chatBotId: botId,
      methods: `function getEnvVar(arg){return botContext.getEnvVariable(arg);}\nfunction brand(){return botcontext.getEnvVariable("${envNames[envNames.length - 1] ?? 'BRAND'}");}`,
      creationTime: 1700000000000,
      modificationTime: 1700000000000,
    },
    platforms: [
      {
        id: hex(40),
        chatbotId: botId,
        integrationType: 'HTMLCLIENT',
        platform: 'HTMLCLIENT',
        status: 'NEW',
      },
    ],
    associatedDomains: [],
    dialogTemplates: [],
  };
}

// ---- Hand-written bots for the conversation simulator's tests -------------------------------------

/** A link target in `simBot`: `next`, `none`, `close_dialog`, `close_conversation`, `@interaction name` or `#dialog name`. */
export type SimBotTarget = string;

export interface SimBotInteraction {
  name: string;
  /** CB's interactionType (DIALOG_STARTER, TEXT, TEXT_QUESTION, BUTTON, QUICK_REPLY, …). */
  type: string;
  text?: string;
  patterns?: string[];
  /** Rules (`responseMatches`), built with `simRule`; default: one rule going to `next`. */
  rules?: JsonObject[];
  next?: SimBotTarget;
  /** Any other fields, merged in last (preProcessMessage, quickReplies, content, …). */
  extra?: JsonObject;
}

export interface SimBotDialog {
  name: string;
  fallback?: boolean;
  interactions: SimBotInteraction[];
}

/** The action of a rule going to `target` (see SimBotTarget). */
export function simAction(target: SimBotTarget): JsonObject {
  if (target.startsWith('#')) return { name: 'DIALOG', value: `d-${target.slice(1)}` };
  if (target.startsWith('@')) return { name: 'INTERACTION', value: `i-${target.slice(1)}` };
  return { name: 'INTERACTION', value: target };
}

/** Rules for `SimBotInteraction.rules`, shaped as in CB exports. */
export const simRule = {
  of(conditions: JsonObject[], to: SimBotTarget, extra: JsonObject = {}): JsonObject {
    return {
      name: 'rule',
      conditions,
      contextConditions: [],
      contextMatchConditionType: 'ANY',
      action: simAction(to),
      contextDataVariables: [],
      ...extra,
    };
  },
  pattern(patterns: string[], to: SimBotTarget, extra: JsonObject = {}): JsonObject {
    return simRule.of(
      [{ matchType: 'PATTERN', patternMatch: { patterns, excludeKeywords: [] } }],
      to,
      extra,
    );
  },
  regex(regex: string, to: SimBotTarget, extra: JsonObject = {}): JsonObject {
    return simRule.of([{ matchType: 'REGEX', regexMatch: { regex } }], to, extra);
  },
  option(value: string, to: SimBotTarget): JsonObject {
    return simRule.of([{ matchType: 'EVAL_OPTION', evaluateOptionMatch: { value } }], to);
  },
  noMatch(fallbackMessage: string, to: SimBotTarget): JsonObject {
    return simRule.of([{ matchType: 'NO_MATCH', noMatch: { fallbackMessage } }], to);
  },
  api(value: 'success' | 'failure', to: SimBotTarget): JsonObject {
    return simRule.of([{ matchType: 'API_RESULT', apiResultMatch: { value } }], to);
  },
};

/**
 * A CB export document from a compact description: ids are `d-<dialog name>` and
 * `i-<interaction name>`, interactions are chained in the order given, texts go into one tile.
 */
export function simBot(spec: {
  dialogs: SimBotDialog[];
  integrations?: JsonObject[];
  globalFunctions?: string;
}): JsonObject {
  const botId = 'sim-bot';
  const groups: JsonObject[] = [];
  const messages: JsonObject[] = [];
  for (const d of spec.dialogs) {
    const group = `d-${d.name}`;
    groups.push({
      chatBotId: botId,
      id: group,
      name: d.name,
      dialogType: d.fallback === true ? 'FALLBACK_DIALOG' : 'DIALOG',
      status: 'ENABLED',
    });
    d.interactions.forEach((i, n) => {
      const next = d.interactions[n + 1];
      const prev = d.interactions[n - 1];
      const message: JsonObject = {
        id: `i-${i.name}`,
        chatBotId: botId,
        name: i.name,
        type: 'BOT_MESSAGE',
        content: {
          contentType: 'STATIC',
          results: {
            type: i.type,
            tile: {
              tileData: [
                { ...(i.text !== undefined && { text: i.text }), buttons: [], quickReplyList: [] },
              ],
            },
          },
        },
        group,
        status: 'ACTIVE',
        ...(next !== undefined && { nextMessageId: `i-${next.name}` }),
        ...(prev !== undefined && { prevMessageId: `i-${prev.name}` }),
        ...(i.patterns !== undefined && { pattern: i.patterns }),
        responseMatches: i.rules ?? [simRule.of([], i.next ?? 'next')],
        interactionType: i.type,
        ...i.extra,
      };
      messages.push(message);
    });
  }
  return {
    bot: { id: botId, name: 'Simulated', chatBotType: 'CUSTOMER_FACING_BOT', status: 'NEW' },
    responder: (spec.integrations ?? []).map((r) => ({ chatbotId: botId, ...r })),
    requiredContext: [],
    conversationMessage: messages,
    menus: [],
    groups,
    ...(spec.globalFunctions !== undefined && {
      globalFunctions: { chatBotId: botId, methods: spec.globalFunctions },
    }),
    platforms: [],
    associatedDomains: [],
    dialogTemplates: [],
  };
}
