// Input pieces shared by the routers: names are free text (any Unicode), trimmed and bounded.
import { z } from 'zod';

export const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');
export const description = z.string().max(4000, 'must be at most 4000 characters');
/** An automation by id or unique name. */
export const automationRef = z.string().trim().min(1, 'names an automation (id or name)');
/** The revision a change is based on (DESIGN.md rule 10). */
export const baseRevision = z.number().int().positive().optional();
