// Users and their API tokens (admins only), and what each role may do. A new token's secret is in
// one action's answer only: it is shown once and never listed again.
import type { Role } from '@ferry/api';
import { ROLES, ROLE_SUMMARY, roleAbilities } from '@ferry/api/roles';
import { error } from '@sveltejs/kit';
import { can } from '$lib/can';
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { text, texts } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  if (!can(locals.user, 'admin')) error(403, 'Only admins manage users and API tokens.');
  try {
    const [users, tokens] = await Promise.all([
      locals.api.users.list(),
      locals.api.users.listTokens({ allUsers: true }),
    ]);
    // What each role may do, from the same table the API checks every call against.
    const roleRules = ROLES.map((role) => ({
      role,
      summary: ROLE_SUMMARY[role],
      abilities: roleAbilities(role),
    }));
    return { users, tokens, roles: ROLES, roleRules };
  } catch (e) {
    loadFailure(e);
  }
};

export const actions = {
  create: async ({ request, locals }) => {
    const form = await request.formData();
    const values = texts(form, 'name', 'role');
    const password = text(form, 'password');
    try {
      const user = await locals.api.users.create({
        name: values.name,
        role: values.role as Role,
        // Blank: a user without a password, who signs in with API tokens only.
        password: password === '' ? undefined : password,
      });
      return {
        form: 'create',
        created: user.name,
        token: { user: user.name, name: 'initial', secret: user.token },
      };
    } catch (e) {
      // The password is not sent back: the user types it again.
      return actionFailure(e, 'create', values, ['name', 'role', 'password']);
    }
  },

  role: async ({ request, locals }) => {
    const form = await request.formData();
    const user = text(form, 'user');
    try {
      const changed = await locals.api.users.setRole({ user, role: text(form, 'role') as Role });
      return { form: 'role', message: `${changed.name} is now ${changed.role}.` };
    } catch (e) {
      return actionFailure(e, 'role', { user }, []);
    }
  },

  password: async ({ request, locals }) => {
    const form = await request.formData();
    const user = text(form, 'user');
    try {
      const changed = await locals.api.users.setPassword({
        user,
        password: text(form, 'password'),
      });
      return {
        form: 'password',
        message: `Set a new password for ${changed.name}; their web sessions have ended.`,
      };
    } catch (e) {
      return actionFailure(e, 'password', { user }, ['password']);
    }
  },

  disable: async ({ request, locals }) => {
    const form = await request.formData();
    const user = text(form, 'user');
    const disabled = text(form, 'disabled') !== 'false';
    try {
      const changed = await locals.api.users.disable({ user, disabled });
      return {
        form: 'disable',
        message: `${changed.name} is ${changed.disabled ? 'disabled' : 'enabled again'}.`,
      };
    } catch (e) {
      return actionFailure(e, 'disable', { user }, []);
    }
  },

  createToken: async ({ request, locals }) => {
    const form = await request.formData();
    const values = texts(form, 'user', 'name');
    try {
      const token = await locals.api.users.createToken(values);
      return {
        form: 'createToken',
        token: { user: token.user.name, name: token.name, secret: token.token },
      };
    } catch (e) {
      return actionFailure(e, 'createToken', values, ['user', 'name']);
    }
  },

  revokeToken: async ({ request, locals }) => {
    const id = text(await request.formData(), 'id');
    try {
      const revoked = await locals.api.users.revokeToken({ id });
      return {
        form: 'revokeToken',
        message: `Revoked the token “${revoked.name}” of ${revoked.user.name}.`,
      };
    } catch (e) {
      return actionFailure(e, 'revokeToken', {}, []);
    }
  },
} satisfies Actions;
