using System.Text.Json.Nodes;

namespace Suite.Deploy.Tests.Manifests;

/// <summary>
/// Kubernetes' strategic merge, as far as manifests use it: maps merge key by key, lists of objects
/// with a <c>name</c> (containers, env, ports, volumes) merge item by item on it, other lists and
/// scalars are replaced.
/// </summary>
public static class StrategicMerge
{
    public static void Apply(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is JsonObject patchObject && target[key] is JsonObject targetObject)
            {
                Apply(targetObject, patchObject);
            }
            else if (value is JsonArray patchArray && target[key] is JsonArray targetArray && IsNamedList(patchArray) && IsNamedList(targetArray))
            {
                foreach (var item in patchArray.OfType<JsonObject>())
                {
                    var existing = targetArray.OfType<JsonObject>().FirstOrDefault(t => t.Str("name") == item.Str("name"));
                    if (existing is null)
                    {
                        targetArray.Add(item.DeepClone());
                    }
                    else
                    {
                        Apply(existing, item);
                    }
                }
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static bool IsNamedList(JsonArray array) => array.Count > 0 && array.All(i => i is JsonObject o && o.Str("name") is not null);
}
