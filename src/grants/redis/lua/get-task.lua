-- The task's state. Arguments: {now, task}; reply: {task?}.
local t = loadTask(args.task)
if not t then return cjson.encode({}) end
return cjson.encode({ task = taskView(args.task, t) })
