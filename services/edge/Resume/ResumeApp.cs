namespace Suite.Edge.Resume;

public static class ResumeApp
{
    /// <summary>Replays for resuming joins, the reads behind <c>history</c> frames, and the edge's own gap fill.</summary>
    public static IHostApplicationBuilder AddResume(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ResumeOptions>().BindConfiguration(ResumeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RoomHistory>();
        builder.Services.AddSingleton<RoomGapFill>();
        return builder;
    }
}
