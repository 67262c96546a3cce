using System.Text.Json.Nodes;
using Suite.Load.Measurement;
using Suite.Load.Output;
using Suite.Load.Scenarios.Soak;
using Suite.Load.Targets;

namespace Suite.Load.Tests;

/// <summary>
/// The soak's pass rule: memory growth per process from the end of the warm-up to the end (means of
/// a few samples at each end), judged against the limit for every process but the brokers, together
/// with nothing lost and nothing duplicated; and its sampling schedule, settings and report.
/// </summary>
public sealed class SoakVerdictTests
{
    private static readonly ServerProcess Edge = new(100, "edge-0");
    private static readonly ServerProcess Redis = new(200, "redis-server");

    [Fact]
    public void Growth_compares_the_first_and_last_samples_after_the_warm_up_and_ignores_the_warm_up()
    {
        // Warm-up at 60 s: the 50 MB at 0 and 30 s do not count; 4 samples after it, windows of 2.
        var samples = Samples(Edge, (0, 50), (30, 90), (60, 100), (90, 102), (120, 104), (150, 106));

        var growth = MemoryGrowth.Of(Edge, judged: true, samples, TimeSpan.FromSeconds(60));

        Assert.Equal(4, growth.Samples);
        Assert.Equal(101 * Mb, growth.RssStart);
        Assert.Equal(105 * Mb, growth.RssEnd);
        Assert.Equal(Math.Round(4.0 / 101 * 100, 2), growth.GrowthPercent);
        Assert.Equal((long)(106 * Mb), growth.RssPeak);
        Assert.Null(growth.Problem);
    }

    [Fact]
    public void Growth_tells_anonymous_from_file_backed_memory_and_counts_threads_and_gc_commits_over_the_same_windows()
    {
        // RSS 100 -> 106 MB, all of it file-backed (code first run): the anonymous part stays at 60 MB.
        var samples = new List<MemorySample>();
        foreach (var (at, file, threads) in new[] { (0.0, 40.0, 20), (30.0, 42.0, 22), (60.0, 44.0, 24), (90.0, 46.0, 24) })
        {
            var memory = new ProcessMemory((long)((60 + file) * Mb), null, (long)(60 * Mb), (long)(file * Mb), threads, (20 + threads) * Mb);
            samples.Add(new MemorySample(TimeSpan.FromSeconds(at), new Dictionary<int, ProcessMemory> { [Edge.Pid] = memory }));
        }

        var growth = MemoryGrowth.Of(Edge, judged: true, samples, TimeSpan.Zero);

        Assert.Equal(60 * Mb, growth.Parts!.AnonymousStart);
        Assert.Equal(60 * Mb, growth.Parts.AnonymousEnd);
        Assert.Equal(41 * Mb, growth.Parts.FileStart);
        Assert.Equal(45 * Mb, growth.Parts.FileEnd);
        Assert.Equal(21, growth.Parts.ThreadsStart);
        Assert.Equal(24, growth.Parts.ThreadsEnd);
        Assert.Equal(41 * Mb, growth.Parts.GcCommittedStart);
        Assert.Equal(44 * Mb, growth.Parts.GcCommittedEnd);
    }

    [Fact]
    public void The_memory_of_a_live_process_is_read_from_proc_with_its_parts_and_threads()
    {
        var memory = ProcessStats.Memory(Environment.ProcessId);

        Assert.NotNull(memory);
        Assert.True(memory.Value.AnonymousBytes > 0 && memory.Value.FileBytes > 0, $"anonymous {memory.Value.AnonymousBytes}, file {memory.Value.FileBytes}");
        Assert.InRange(memory.Value.AnonymousBytes!.Value + memory.Value.FileBytes!.Value, 1, memory.Value.RssBytes);
        Assert.True(memory.Value.Threads > 1);
        Assert.Null(ProcessStats.Memory(int.MaxValue));
    }

    [Fact]
    public void Growth_leaves_out_the_parts_a_process_does_not_report()
    {
        var growth = MemoryGrowth.Of(Edge, judged: true, Samples(Edge, (0, 100), (30, 101)), TimeSpan.Zero);

        Assert.Null(growth.Parts!.AnonymousStart);
        Assert.Null(growth.Parts.ThreadsEnd);
    }

    [Fact]
    public void Windows_hold_at_most_three_samples()
    {
        var samples = Samples(Edge, [.. Enumerable.Range(0, 10).Select(i => (i * 30.0, 100.0 + i))]);

        var growth = MemoryGrowth.Of(Edge, judged: true, samples, TimeSpan.Zero);

        Assert.Equal(101 * Mb, growth.RssStart);
        Assert.Equal(108 * Mb, growth.RssEnd);
    }

    [Fact]
    public void A_process_that_exited_or_has_one_sample_after_the_warm_up_has_no_growth_and_fails_the_soak()
    {
        var exited = MemoryGrowth.Of(Edge, judged: true, Samples(Edge, (60, 100), (90, null)), TimeSpan.FromSeconds(60));
        var short_ = MemoryGrowth.Of(Edge, judged: true, Samples(Edge, (30, 100), (60, 100)), TimeSpan.FromSeconds(60));

        Assert.Contains("exited", exited.Problem);
        Assert.Contains("2 needed", short_.Problem);
        Assert.False(SoakVerdict.Judge([exited], delivered: 10, lost: 0, duplicates: 0, limitPercent: 5).Pass);
    }

    [Fact]
    public void Passes_when_something_was_delivered_nothing_lost_or_duplicated_and_every_judged_process_grew_under_the_limit()
    {
        var flat = Growth(Edge, 4.9);
        var (pass, reasons) = SoakVerdict.Judge([flat], delivered: 1000, lost: 0, duplicates: 0, limitPercent: 5);

        Assert.True(pass, string.Join("; ", reasons));
        Assert.Empty(reasons);
    }

    [Theory]
    [InlineData(1000, 1, 0, 1.0, "1 accepted message(s) lost")]
    [InlineData(1000, 0, 2, 1.0, "2 duplicate(s) shown")]
    [InlineData(1000, 0, 0, 5.0, "edge-0: RSS grew 5 % after the warm-up (limit 5 %)")]
    [InlineData(0, 0, 0, 1.0, "nothing was delivered")]
    public void Fails_with_a_reason_for_a_loss_a_duplicate_growth_at_the_limit_or_nothing_delivered(long delivered, long lost, long duplicates, double growth, string reason)
    {
        var (pass, reasons) = SoakVerdict.Judge([Growth(Edge, growth)], delivered, lost, duplicates, limitPercent: 5);

        Assert.False(pass);
        Assert.Equal([reason], reasons);
    }

    [Fact]
    public void A_brokers_growth_is_reported_but_not_judged()
    {
        var (pass, reasons) = SoakVerdict.Judge([Growth(Edge, 1), Growth(Redis, 40) with { Judged = false }], delivered: 10, lost: 0, duplicates: 0, limitPercent: 5);

        Assert.True(pass, string.Join("; ", reasons));
    }

    [Fact]
    public void Samples_are_taken_every_interval_at_the_end_of_the_warm_up_and_at_the_end()
    {
        var schedule = MemorySampler.Schedule(TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(30));

        Assert.Equal([0, 30, 45, 60, 90, 100], schedule.Select(t => t.TotalSeconds));
    }

    [Fact]
    public void Soak_options_are_read_and_bad_ones_refused_with_the_option_named()
    {
        var s = LoadSettings.Parse("soak", ["--soak.pairs", "3", "--soak.notify-rate", "2.5", "--soak.churn-interval", "500ms", "--soak.churn-away", "0",
            "--soak.burst-interval", "2m", "--soak.burst-share", "0.5", "--soak.sample-interval", "10s", "--soak.rss-growth-limit", "3"], "soak");

        Assert.Equal((3, 2.5, 0.5, 3.0), (s.Pairs, s.NotifyRate, s.BurstShare, s.RssGrowthLimitPercent));
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.Zero, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10)), (s.ChurnInterval, s.ChurnAway, s.BurstInterval, s.SampleInterval));
        Assert.Contains("burst-share", Assert.Throws<ArgumentException>(() => LoadSettings.Parse("soak", ["--burst-share", "2"])).Message);
        Assert.Contains("sample-interval", Assert.Throws<ArgumentException>(() => LoadSettings.Parse("soak", ["--sample-interval", "0"])).Message);
    }

    [Fact]
    public void The_report_shows_the_verdict_the_streams_and_each_processs_growth()
    {
        var result = JsonNode.Parse("""
            {"scenario":"soak","target":{"mode":"redis"},
             "settings":{"durationSeconds":180,"warmupSeconds":60,"rooms":2,"membersPerRoom":3,"senderRatePerSecond":5,"pairs":1,"ratePerSecond":2,
                         "notifyRatePerSecond":1,"churnIntervalSeconds":1,"churnAwaySeconds":2,"burstShare":0.25,"burstIntervalSeconds":300,"sampleIntervalSeconds":30,"rssGrowthLimitPercent":5},
             "figures":{"verdict":{"pass":false,"reasons":["room: RSS grew 7 % after the warm-up (limit 5 %)"]},
               "room":{"sent":10,"accepted":10,"expected":20,"shown":20,"lost":0,"duplicates":0},
               "direct":{"sent":4,"accepted":4,"expected":4,"shown":4,"lost":0,"duplicates":0},
               "notices":{"sent":3,"accepted":3,"expected":3,"shown":3,"lost":0,"duplicates":0},
               "resumes":{"resumes":5,"recovered":5,"unrecovered":0,"replayed":9},
               "churn":{"planned":5,"bursts":0,"burstClients":0,"unplanned":{}},"noticeRepeats":1,"acksSent":3,"dismissed":0,
               "memory":{"processes":[{"role":"room","judged":true,"rssStart":1048576,"rssEnd":1121976,"rssPeak":1200000,"growthPercent":7,"gcHeapStart":10,"gcHeapEnd":12,"problem":null},
                                      {"role":"redis-server","judged":false,"rssStart":1048576,"rssEnd":2097152,"rssPeak":2097152,"growthPercent":100,"gcHeapStart":null,"gcHeapEnd":null,"problem":null}]}}}
            """)!.AsObject();

        var text = MarkdownReport.Render([result]);

        Assert.Contains("**redis: FAIL** — room: RSS grew 7 % after the warm-up (limit 5 %)", text);
        Assert.Contains("| room messages | 10 | 10 | 20 | 20 | 0 | 0 |", text);
        Assert.Contains("| room | 1.0 MiB | 1.1 MiB | +7.0 % |", text);
        Assert.Contains("| redis-server (not judged) |", text);
        Assert.Contains("5 resumes with `since` (5 recovered, 0 not), 9 messages replayed", text);
    }

    private const double Mb = 1 << 20;

    private static MemoryGrowth Growth(ServerProcess process, double percent) =>
        new(process.Role, process.Pid, Judged: true, Samples: 4, 100, 100 + percent, 110, percent, null, null, null);

    private static List<MemorySample> Samples(ServerProcess process, params (double AtSeconds, double? RssMb)[] points) =>
        [.. points.Select(p => new MemorySample(
            TimeSpan.FromSeconds(p.AtSeconds),
            new Dictionary<int, ProcessMemory> { [process.Pid] = new((long?)(p.RssMb * Mb), null) }))];
}
