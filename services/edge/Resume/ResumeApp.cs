namespace Suite.Edge.Resume;

public static class ResumeApp
{
    /// <summary>Replays for resuming joins and the reads behind <c>history</c> frames.</summary>
    public static IHostApplicationBuilder AddResume(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ResumeOptions>().BindConfiguration(ResumeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RoomHistory>();
        return builder;
    }
}
