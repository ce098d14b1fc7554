/**
 * The Slack app manifest that sets up the app the product needs, to paste into "Create New App" >
 * "From a manifest" (Slack's app manifest reference: display_information, features, oauth_config,
 * settings). JSON is one of the two formats Slack accepts.
 */

/**
 * The bot's scopes: `chat:write` (chat.postMessage), `im:write` (direct messages with approvers),
 * `users:read` and `users:read.email` (users.lookupByEmail needs both, per its reference page).
 */
export const SLACK_BOT_SCOPES = ['chat:write', 'im:write', 'users:read', 'users:read.email'] as const;

export const DEFAULT_SLACK_APP_NAME = 'Approvals';

/** Slack's limit for an app's name and its bot user's display name (app manifest reference). */
export const MAX_SLACK_APP_NAME_LENGTH = 35;

export interface SlackAppManifest {
  readonly display_information: { readonly name: string; readonly description: string };
  readonly features: {
    readonly app_home: {
      readonly home_tab_enabled: boolean;
      readonly messages_tab_enabled: boolean;
      readonly messages_tab_read_only_enabled: boolean;
    };
    readonly bot_user: { readonly display_name: string; readonly always_online: boolean };
  };
  readonly oauth_config: { readonly scopes: { readonly bot: readonly string[] } };
  readonly settings: {
    readonly interactivity: { readonly is_enabled: boolean; readonly request_url: string };
    readonly org_deploy_enabled: boolean;
    readonly socket_mode_enabled: boolean;
    readonly token_rotation_enabled: boolean;
  };
}

export function slackAppManifest(options: { readonly name: string; readonly requestUrl: string }): SlackAppManifest {
  return {
    display_information: {
      name: options.name,
      description: 'Asks for approvals in a direct message; Approve and Reject decide a waiting Step Functions workflow.',
    },
    features: {
      // The approval messages arrive in the app's Messages tab; approvers answer with the buttons, not by writing.
      app_home: { home_tab_enabled: false, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
      bot_user: { display_name: options.name, always_online: false },
    },
    oauth_config: { scopes: { bot: [...SLACK_BOT_SCOPES] } },
    settings: {
      interactivity: { is_enabled: true, request_url: options.requestUrl },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
}
