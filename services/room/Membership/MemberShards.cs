using System.Text;

namespace Suite.Room.Membership;

internal static class MemberShards
{
    // FNV-1a over UTF-8: stable across processes and versions, unlike string.GetHashCode.
    public static int Of(string userId, int shards)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(userId))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % (uint)shards);
    }
}
