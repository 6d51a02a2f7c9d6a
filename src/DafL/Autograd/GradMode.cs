namespace DafL.Autograd;

/// <summary>Whether ops record a graph. <c>using (GradMode.NoGrad()) { ... }</c> turns recording off on this thread.</summary>
public static class GradMode
{
    [ThreadStatic] static int _disabledDepth;

    public static bool IsEnabled => _disabledDepth == 0;

    public static IDisposable NoGrad()
    {
        _disabledDepth++;
        return new Restore();
    }

    sealed class Restore : IDisposable
    {
        bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _disabledDepth--;
        }
    }
}
