namespace Suite.DaprEmulator.State.Redis;

// The Lua scripts behind Set, Delete and transactions. They implement contrib state.redis's version
// rules (contract §4.2) so keys written here and by daprd are interchangeable; a rejected write
// returns an error starting with MismatchError.
internal static class RedisStateScripts
{
    public const string MismatchError = "ETAGMISMATCH";

    // set(key, expected version ("0" for none), data, firstWrite ("0" = mark the key first-write)).
    // A non-hash value (a legacy plain string) is replaced, as contrib does.
    private const string SetFunction = """
        local function set(key, expected, data, firstWrite)
          local kind = redis.call("TYPE", key)["ok"]
          if kind ~= "hash" and kind ~= "none" then
            redis.call("DEL", key)
          end
          local version = redis.call("HGET", key, "version")
          local sticky = redis.call("HEXISTS", key, "first-write") == 1
          if not version or version == "" or version == expected or (not sticky and expected == "0") then
            redis.call("HSET", key, "data", data)
            if firstWrite == "0" then
              redis.call("HSET", key, "first-write", "0")
            end
            return redis.call("HINCRBY", key, "version", 1)
          end
          return redis.error_reply("ETAGMISMATCH stored version " .. version .. " is not " .. expected)
        end

        """;

    // delete(key, etag as sent ("0" for none)). Only an existing, different version blocks.
    private const string DeleteFunction = """
        local function delete(key, expected)
          local kind = redis.call("TYPE", key)["ok"]
          if kind ~= "hash" then
            return redis.call("DEL", key)
          end
          local version = redis.call("HGET", key, "version")
          if not version or version == "" or version == expected or expected == "0" then
            return redis.call("DEL", key)
          end
          return redis.error_reply("ETAGMISMATCH stored version " .. version .. " is not " .. expected)
        end

        """;

    // KEYS[1] key; ARGV[1] expected version, "0" for none; ARGV[2] data; ARGV[3] "0" = first-write.
    public const string Set = SetFunction + """return set(KEYS[1], ARGV[1], ARGV[2], ARGV[3])""";

    // KEYS[1] key; ARGV[1] etag as sent, "0" for none.
    public const string Delete = DeleteFunction + """return delete(KEYS[1], ARGV[1])""";

    // A whole transaction in one script: one command for Redis and one reply for the sidecar, where
    // MULTI, an EVAL of Set or Delete per operation, an EXPIRE or PERSIST per TTL and EXEC were six
    // or more. Each operation does what its commands did inside MULTI/EXEC: Set with no first-write
    // mark (contrib's Multi never sets one), or Delete, then the TTL even when the write was refused;
    // a failed operation does not stop the ones after it, and nothing is rolled back.
    // KEYS: one per operation. ARGV: four per operation: "set" or "del", the expected version ("0"
    // for none), the data ("" for del), the TTL in seconds ("" none, positive EXPIRE, else PERSIST).
    // Returns {0}, or {n, error} for the first operation n (1-based) that failed.
    public const string Transaction = SetFunction + DeleteFunction + """
        local function failure(ok, result)
          if not ok then
            return type(result) == "table" and result.err or tostring(result)
          end
          return type(result) == "table" and result.err or nil
        end
        local first = nil
        for i = 1, #KEYS do
          local a = (i - 1) * 4
          local key, ttl = KEYS[i], ARGV[a + 4]
          local failed
          if ARGV[a + 1] == "set" then
            failed = failure(pcall(set, key, ARGV[a + 2], ARGV[a + 3], nil))
          else
            failed = failure(pcall(delete, key, ARGV[a + 2]))
          end
          if ttl ~= "" then
            local expiry
            if tonumber(ttl) > 0 then
              expiry = failure(pcall(redis.call, "EXPIRE", key, ttl))
            else
              expiry = failure(pcall(redis.call, "PERSIST", key))
            end
            failed = failed or expiry
          end
          if failed and not first then
            first = {i, failed}
          end
        end
        return first or {0}
        """;
}
