/**
 * A session ends after this long without a refresh (the auth service's refresh-token idle expiry);
 * the web client logs off an idle user at the same moment, with a warning before it.
 */
export const REFRESH_IDLE_SECONDS = 30 * 60;
