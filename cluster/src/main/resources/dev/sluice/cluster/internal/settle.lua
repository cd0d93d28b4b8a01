-- Settles one admitted request, at most once (the ticket key is the guard, so a retried settle is harmless).
-- KEYS[1] ticket key, then ARGV[6] window hashes, ARGV[7] in-flight sets, ARGV[8] budget hashes, in that order.
-- ARGV[1] ticket id, ARGV[2] window index of the admission, ARGV[3] token delta (real - reserved),
-- ARGV[4] reserved cost, ARGV[5] real cost. Returns {0} when it already was settled (or expired); otherwise {1}
-- then, per budget hash, its spend after this settle (-1 for a hash gone with its period), for the soft thresholds.
if redis.call('DEL', KEYS[1]) == 0 then
  return {0}
end
local out = {1}
local tw, delta = tonumber(ARGV[2]), tonumber(ARGV[3])
local nw, ns, nb = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local k = 2
for _ = 1, nw do
  -- The tokens were counted in window tw: still the current one, or already the previous one, or gone.
  if delta ~= 0 then
    local sw = tonumber(redis.call('HGET', KEYS[k], 'w'))
    local field = nil
    if sw == tw then field = 'tc' elseif sw == tw + 1 then field = 'tp' end
    if field then
      local v = (tonumber(redis.call('HGET', KEYS[k], field)) or 0) + delta
      if v < 0 then v = 0 end
      redis.call('HSET', KEYS[k], field, v)
    end
  end
  k = k + 1
end
for _ = 1, ns do
  redis.call('ZREM', KEYS[k], ARGV[1])
  k = k + 1
end
local reservedCost = tonumber(ARGV[4])
for _ = 1, nb do
  if redis.call('EXISTS', KEYS[k]) == 1 then
    local r = (tonumber(redis.call('HGET', KEYS[k], 'reserved')) or 0) - reservedCost
    if r < 0 then r = 0 end
    redis.call('HSET', KEYS[k], 'reserved', r)
    out[#out + 1] = redis.call('HINCRBY', KEYS[k], 'spent', ARGV[5])
  else
    out[#out + 1] = -1
  end
  k = k + 1
end
return out
