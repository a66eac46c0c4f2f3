/**
 * The two `curl` bodies of the Laminar Redis connector documentation, character for character:
 * a connection profile, and a string table naming its profile by `connectionProfileId` (the
 * documentation writes `prof_redis123`, an example id).
 */

export const DOCUMENTED_PROFILE = `{
    "name": "redis_cache",
    "connector": "redis",
    "config": {
      "connection": {
        "address": "redis://cache.example.com:6379"
      },
      "username": "app_user",
      "password": "{{ REDIS_PASSWORD }}"
    }
  }`;

/** The documented table body, with `profileId` where it writes `prof_redis123`. */
export const documentedTable = (profileId = 'prof_redis123') => `{
    "name": "user_sessions",
    "connector": "redis",
    "connectionProfileId": "${profileId}",
    "config": {
      "connectorType": {
        "target": {
          "keyPrefix": "session:",
          "keyColumn": "session_id",
          "ttlSecs": 3600
        }
      }
    }
  }`;
