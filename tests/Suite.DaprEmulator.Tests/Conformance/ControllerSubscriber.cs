using System.Text.Json;
using Dapr;
using Microsoft.AspNetCore.Mvc;

namespace Suite.DaprEmulator.Tests.Conformance;

/// <summary>The attribute style of subscribing, next to the minimal-API style in <see cref="SubscriberApp"/>.</summary>
[ApiController]
public sealed class ControllerSubscriber(SubscriberApp.Received received, SubscriberApp.AppName name) : ControllerBase
{
    [Topic(SubscriberApp.PubSub, "invoices")]
    [HttpPost("invoices")]
    public IResult Invoice([FromBody] JsonElement data) => SubscriberApp.Record(received, name.Value, "invoices", Request, data);
}
