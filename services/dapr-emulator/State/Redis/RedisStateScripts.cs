namespace Suite.DaprEmulator.State.Redis;

// The Lua scripts behind Set and Delete. They implement contrib state.redis's version rules
// (contract §4.2) so keys written here and by daprd are interchangeable; a rejected write returns
// an error starting with MismatchError.
internal static class RedisStateScripts
{
    public const string MismatchError = "ETAGMISMATCH";

    // KEYS[1] key; ARGV[1] expected version, "0" for none; ARGV[2] data; ARGV[3] "0" = first-write.
    // A non-hash value (a legacy plain string) is replaced, as contrib does.
    public const string Set = """
        local kind = redis.call("TYPE", KEYS[1])["ok"]
        if kind ~= "hash" and kind ~= "none" then
          redis.call("DEL", KEYS[1])
        end
        local version = redis.call("HGET", KEYS[1], "version")
        local sticky = redis.call("HEXISTS", KEYS[1], "first-write") == 1
        if not version or version == "" or version == ARGV[1] or (not sticky and ARGV[1] == "0") then
          redis.call("HSET", KEYS[1], "data", ARGV[2])
          if ARGV[3] == "0" then
            redis.call("HSET", KEYS[1], "first-write", "0")
          end
          return redis.call("HINCRBY", KEYS[1], "version", 1)
        end
        return redis.error_reply("ETAGMISMATCH stored version " .. version .. " is not " .. ARGV[1])
        """;

    // KEYS[1] key; ARGV[1] etag as sent, "0" for none. Only an existing, different version blocks.
    public const string Delete = """
        local kind = redis.call("TYPE", KEYS[1])["ok"]
        if kind ~= "hash" then
          return redis.call("DEL", KEYS[1])
        end
        local version = redis.call("HGET", KEYS[1], "version")
        if not version or version == "" or version == ARGV[1] or ARGV[1] == "0" then
          return redis.call("DEL", KEYS[1])
        end
        return redis.error_reply("ETAGMISMATCH stored version " .. version .. " is not " .. ARGV[1])
        """;
}
