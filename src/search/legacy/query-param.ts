/** The `query` parameter of `GET /lead/` and `GET /contact/`: Close's legacy search string. */
import { Type } from 'typebox';
import { QUERY_PARAM_MAX } from '../../http/input-limits.ts';

export const LegacyQueryParam = Type.String({
  maxLength: QUERY_PARAM_MAX,
  description: 'Close\'s legacy search syntax, e.g. `lead_status:Potential contacts > 1 sort:-created` (see README, "Legacy search string").',
});
