namespace Suite.LocalServers;

public static class RepositoryRoot
{
    /// <summary>The nearest folder above the running program (or the current directory) holding Suite.sln.</summary>
    public static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Suite.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("Suite.sln not found above " + AppContext.BaseDirectory);
    }
}
