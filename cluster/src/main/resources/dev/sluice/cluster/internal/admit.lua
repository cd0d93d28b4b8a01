-- Admits one request atomically over all its scopes, or refuses it and changes nothing that counts.
-- KEYS[1] revoked set, KEYS[2] ticket key, then per scope i (0-based): KEYS[3+3i] window hash,
-- KEYS[4+3i] in-flight sorted set, KEYS[5+3i] budget hash of the current period.
-- ARGV[1] key id to check against the revoked set ('' for none), ARGV[2] tokens, ARGV[3] cost (micros),
-- ARGV[4] ticket id, ARGV[5] slot ttl ms, ARGV[6] window ms, ARGV[7] window ttl ms, ARGV[8] ticket ttl ms,
-- ARGV[9] scope count, then per scope (base 10+6i): requests/min, tokens/min, concurrent, hard budget
-- (-1 none), budget expire-at ms (0 when the scope has no budget), seeded spend (-1 none).
-- Returns {outcome, scope (1-based, 0 none), retry ms, window index, req limit, req remaining, req reset ms,
-- tok limit, tok remaining, tok reset ms}; outcome 0 admitted, 1 requests, 2 tokens, 3 concurrency,
-- 4 budget, 5 revoked. A limit of -1 means no scope had that kind of limit.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local win = tonumber(ARGV[6])
local w = math.floor(now / win)
local frac = (now - w * win) / win
local tokens = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local n = tonumber(ARGV[9])

if ARGV[1] ~= '' and redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  return {5, 1, 0, w, -1, 0, 0, -1, 0, 0}
end

-- Window counters of one scope, as of window w: current and previous requests and tokens.
local function window(key)
  local h = redis.call('HMGET', key, 'w', 'rc', 'rp', 'tc', 'tp')
  local sw = tonumber(h[1])
  if sw == w then
    return tonumber(h[2]) or 0, tonumber(h[3]) or 0, tonumber(h[4]) or 0, tonumber(h[5]) or 0
  elseif sw == w - 1 then
    return 0, tonumber(h[2]) or 0, 0, tonumber(h[4]) or 0
  end
  return 0, 0, 0, 0
end

-- Milliseconds until estimate + this <= limit (the estimate decays as the previous window slides out).
local function retryMs(limit, this, cur, prev)
  if this > limit then return win end
  local est = prev * (1 - frac) + cur
  local need = est + this - limit
  if need <= 0 then return 0 end
  local left = (1 - frac) * win
  if prev > 0 and need * win / prev <= left then
    return math.ceil(need * win / prev)
  end
  if cur <= 0 then return math.ceil(left) end
  local s = win * (1 - (limit - this) / cur)
  if s < 0 then s = 0 end
  return math.ceil(left + s)
end

-- Milliseconds until the limit is wholly available again.
local function resetMs(cur, prev)
  local left = (1 - frac) * win
  if cur > 0 then return math.ceil(left + win) end
  if prev > 0 then return math.ceil(left) end
  return 0
end

local rc, rp, tc, tp, spent, reserved, fresh = {}, {}, {}, {}, {}, {}, {}
local refuse, refuseScope, retry = 0, 0, 0
local reqL, reqRem, reqReset, tokL, tokRem, tokReset = -1, 0, 0, -1, 0, 0

for i = 0, n - 1 do
  local a = 10 + 6 * i
  local rpm, tpm, conc, hard = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local bexp, seed = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5])
  local wk, sk, bk = KEYS[3 + 3 * i], KEYS[4 + 3 * i], KEYS[5 + 3 * i]
  if rpm >= 0 or tpm >= 0 then
    rc[i], rp[i], tc[i], tp[i] = window(wk)
  end
  if rpm >= 0 then
    local est = rp[i] * (1 - frac) + rc[i]
    local ok = est + 1 <= rpm
    if not ok and refuse == 0 then refuse, refuseScope, retry = 1, i + 1, retryMs(rpm, 1, rc[i], rp[i]) end
    local rem = rpm - est
    if ok then rem = rem - 1 end
    if rem < 0 then rem = 0 end
    if reqL < 0 or rem < reqRem then
      reqL, reqRem, reqReset = rpm, math.floor(rem), resetMs(rc[i] + (ok and 1 or 0), rp[i])
    end
  end
  if tpm >= 0 then
    local est = tp[i] * (1 - frac) + tc[i]
    local ok = est + tokens <= tpm
    if not ok and refuse == 0 then refuse, refuseScope, retry = 2, i + 1, retryMs(tpm, tokens, tc[i], tp[i]) end
    local rem = tpm - est
    if ok then rem = rem - tokens end
    if rem < 0 then rem = 0 end
    if tokL < 0 or rem < tokRem then
      tokL, tokRem, tokReset = tpm, math.floor(rem), resetMs(tc[i] + (ok and tokens or 0), tp[i])
    end
  end
  if conc >= 0 and refuse == 0 then
    -- Slots of a crashed gateway carry an expiry and free themselves.
    redis.call('ZREMRANGEBYSCORE', sk, '-inf', now)
    if redis.call('ZCARD', sk) >= conc then refuse, refuseScope, retry = 3, i + 1, 1000 end
  end
  if bexp > 0 and refuse == 0 then
    local b = redis.call('HMGET', bk, 'spent', 'reserved')
    if b[1] == false and b[2] == false then
      fresh[i] = true
      spent[i], reserved[i] = (seed >= 0) and seed or 0, 0
    else
      spent[i], reserved[i] = tonumber(b[1]) or 0, tonumber(b[2]) or 0
    end
    if hard >= 0 and spent[i] + reserved[i] + cost > hard then refuse, refuseScope = 4, i + 1 end
  end
end

if refuse ~= 0 then
  return {refuse, refuseScope, retry, w, reqL, reqRem, reqReset, tokL, tokRem, tokReset}
end

for i = 0, n - 1 do
  local a = 10 + 6 * i
  local rpm, tpm, conc = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local bexp = tonumber(ARGV[a + 4])
  local wk, sk, bk = KEYS[3 + 3 * i], KEYS[4 + 3 * i], KEYS[5 + 3 * i]
  if rpm >= 0 or tpm >= 0 then
    local addR = (rpm >= 0) and 1 or 0
    local addT = (tpm >= 0) and tokens or 0
    redis.call('HSET', wk, 'w', w, 'rc', rc[i] + addR, 'rp', rp[i], 'tc', tc[i] + addT, 'tp', tp[i])
    redis.call('PEXPIRE', wk, ARGV[7])
  end
  if conc >= 0 then
    redis.call('ZADD', sk, now + tonumber(ARGV[5]), ARGV[4])
    redis.call('PEXPIRE', sk, ARGV[5])
  end
  if bexp > 0 then
    if fresh[i] then
      -- Strings, not Lua numbers: large micros must not pass through Lua's number formatting.
      local seedArg = ARGV[a + 5]
      if tonumber(seedArg) < 0 then seedArg = '0' end
      redis.call('HSET', bk, 'spent', seedArg, 'reserved', ARGV[3])
    else
      redis.call('HINCRBY', bk, 'reserved', ARGV[3])
    end
    redis.call('PEXPIREAT', bk, ARGV[a + 4])
  end
end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[8])
return {0, 0, 0, w, reqL, reqRem, reqReset, tokL, tokRem, tokReset}
