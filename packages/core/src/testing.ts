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
}

/** Mulberry32: a tiny, fast, seeded PRNG; good enough for test data. */
function seededRandom(seed: number): () => number {
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
            action: { name: 'INTERACTION', value: i + 1 < ids.length ? 'next' : 'close_dialog' },
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
