/** What every command's `run` receives besides its own options; built once from the global options. */
export interface CommandContext {
  /** Normalised: flag, else AUTHCLI_BASE_URL, else the default. It also keys the stored credentials. */
  baseUrl: string;
}
