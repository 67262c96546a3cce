using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Suite.Room.Membership;

/// <summary>Where a ListMembers page continues: a member shard and the last user id returned from it.</summary>
internal readonly record struct PageToken(int Shard, string After)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Shard.ToString(CultureInfo.InvariantCulture)}:{After}"));

    public static bool TryDecode(string token, int shards, out PageToken page)
    {
        page = default;
        if (token.Length == 0)
        {
            return true;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !int.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var shard) || shard >= shards)
            {
                return false;
            }

            page = new PageToken(shard, text[(colon + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
