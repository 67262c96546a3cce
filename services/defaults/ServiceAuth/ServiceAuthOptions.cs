using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Suite.ServiceDefaults.ServiceAuth;

/// <summary>
/// Service-to-service authentication (section "Internal"): every gRPC call between the suite's
/// services carries a short-lived token signed with the key they share, naming the calling service;
/// every gRPC service refuses a call without a valid one and checks the caller may make it
/// (only the edge acts for a user). Off while <see cref="ServiceKey"/> is empty.
/// </summary>
public sealed class ServiceAuthOptions : IValidatableObject
{
    public const string Section = "Internal";

    /// <summary>The key the suite's services share (HS256, at least 32 bytes of UTF-8); empty = no service authentication.</summary>
    public string ServiceKey { get; set; } = "";

    /// <summary>How long a service token is valid; a caller makes a new one at half of it.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "1.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public bool Enabled => ServiceKey.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && Encoding.UTF8.GetByteCount(ServiceKey) < 32)
        {
            yield return new ValidationResult("Internal:ServiceKey must be at least 32 bytes (HS256)", [nameof(ServiceKey)]);
        }
    }
}
